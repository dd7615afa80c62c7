"""Checkout details as a shop can deliver to: an e-mail address, a name, a shipping address.

Every interface (the shop's form, the API) hands the raw fields to :func:`checked_details`, so
the same rules hold everywhere. E-mail syntax is checked and normalised by ``email-validator``
(RFC 5321/5322 as mail servers accept them; no DNS look-up, so a checkout never waits on the
network); countries are ISO 3166-1 alpha-2 codes as ``django-countries`` knows them, limited to
``SHOP_SHIPS_TO`` when that setting lists some.

Also here: the countries a form offers (:func:`shipping_countries`), a country's name, and the
details a shopper gave last (:func:`last_given`, :func:`offered_values`), read by replay, so a
value erased with its person (``eventstore.personal.ERASED``) is recognised and never offered.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django_countries import countries
from email_validator import EmailNotValidError, validate_email

from carts.application import repository
from carts.application.selectors import owned_cart_ids
from carts.domain.errors import InvalidCheckoutDetails
from carts.domain.plain_text import hidden_character, tidied
from carts.domain.values import CheckoutDetails
from eventstore.personal import is_erased

# Longest accepted value of each field, in characters (the e-mail's is RFC 5321's 254).
MAX_LENGTHS = {
    "email": 254,
    "full_name": 200,
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "postal_code": 20,
    "country": 2,
}
# How many of a shopper's newest carts are read to find the details they gave last.
LOOKBACK = 20
REQUIRED = ("email", "full_name", "address_line1", "city", "postal_code", "country")


def checked_details(fields: dict[str, Any]) -> CheckoutDetails:
    """The details ``fields`` (str values) give, trimmed and normalised.

    Raises InvalidCheckoutDetails naming the first field that is missing, too long, holds
    control characters, is not an e-mail address, or names a country the shop does not ship to.
    """
    values = {name: _text(fields.get(name), name) for name in MAX_LENGTHS}
    for name in REQUIRED:
        if not values[name]:
            raise InvalidCheckoutDetails(f"{name} is required for checkout", field=name)
    values["email"] = _email(values["email"])
    values["country"] = _country(values["country"])
    return CheckoutDetails(**values)


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidCheckoutDetails(f"{name} must be text", field=name)
    # A pasted address may break its lines where it means spaces; any other control or
    # invisible character is refused (carts.domain.plain_text).
    if hidden_character(value, line_breaks=True) is not None:
        raise InvalidCheckoutDetails(f"{name} holds control characters", field=name)
    text = tidied(value)
    if len(text) > MAX_LENGTHS[name]:
        raise InvalidCheckoutDetails(
            f"{name} is longer than {MAX_LENGTHS[name]} characters", field=name
        )
    return text


def _email(text: str) -> str:
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidCheckoutDetails(
            f"email {text!r} is not an address: {exc}", field="email"
        ) from None


def _country(text: str) -> str:
    code = text.upper()
    ships_to = set(getattr(settings, "SHOP_SHIPS_TO", ()) or ())
    if code not in countries or len(code) != 2:
        raise InvalidCheckoutDetails(
            f"country {text!r} is not an ISO 3166-1 alpha-2 code such as DE, FR or GB",
            field="country",
        )
    if ships_to and code not in ships_to:
        raise InvalidCheckoutDetails(
            f"the shop does not ship to {code}; it ships to {', '.join(sorted(ships_to))}",
            field="country",
        )
    return code


def shipping_countries() -> list[tuple[str, str]]:
    """(code, name) of every country an order may go to, in the order django-countries gives
    (by name in the active language, after any ``COUNTRIES_FIRST``), limited to
    ``SHOP_SHIPS_TO`` when that setting lists some."""
    ships_to = set(getattr(settings, "SHOP_SHIPS_TO", ()) or ())
    return [(c.code, str(c.name)) for c in countries if not ships_to or c.code in ships_to]


def country_name(code: str) -> str:
    """The name of the country ``code`` (ISO 3166-1 alpha-2), or the code itself if unknown."""
    return str(countries.name(code)) or code


def last_given(owner_id: str, *, carts: int = LOOKBACK) -> CheckoutDetails | None:
    """The details given to the newest of the owner's last ``carts`` carts that has any, read
    by replay (so in plain, or as ERASED once the person was forgotten); None if none has.

    Bounded so that a shopper with a long history before checkout details existed costs at
    most ``carts`` replays.
    """
    for cart_id in owned_cart_ids(owner_id)[:carts]:
        details = repository.load(cart_id).details
        if details is not None:
            return details
    return None


def offered_values(details: CheckoutDetails | None) -> dict[str, str]:
    """The fields of ``details`` to offer again in a form: every value given, except those that
    read as erased (a forgotten person's data is never put back in front of anyone)."""
    if details is None:
        return {}
    return {
        name: value for name, value in asdict(details).items() if value and not is_erased(value)
    }
