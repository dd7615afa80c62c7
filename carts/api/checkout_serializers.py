"""The checkout's part of the cart API: checkout details in (their shape only: the rules are
carts.application.checkout_details.checked_details), and the order number and the details a
cart document shows."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from carts.api.fields import StrictCharField, StrictSerializer
from carts.application.checkout_details import MAX_LENGTHS
from carts.application.order_numbers import shown
from carts.domain.cart import Cart
from carts.domain.values import CartStatus, CheckoutDetails
from eventstore.personal import ERASED, is_erased


def _details_field(name: str, help_text: str, *, required: bool = True) -> StrictCharField:
    # Untrimmed and possibly blank: checked_details trims, and names an empty required field
    # itself, so that every interface gives the same answer; only the length is shape.
    return StrictCharField(
        max_length=MAX_LENGTHS[name],
        required=required,
        allow_blank=True,
        trim_whitespace=False,
        help_text=help_text,
    )


class CheckoutDetailsInput(StrictSerializer):
    """Who the order is for and where it goes (checked by checkout_details.checked_details:
    400 invalid_checkout_details naming the field)."""

    email = _details_field("email", "Contact e-mail address, e.g. ada@example.com.")
    full_name = _details_field("full_name", "The recipient's full name.")
    address_line1 = _details_field("address_line1", "Street and number.")
    address_line2 = _details_field(
        "address_line2", "Flat, floor, company (optional).", required=False
    )
    city = _details_field("city", "City or town.")
    postal_code = _details_field("postal_code", "Postal code as the country writes it.")
    country = _details_field(
        "country", "ISO 3166-1 alpha-2 code of a country the shop ships to, e.g. GB."
    )


class CheckoutInput(StrictSerializer):
    """Check out; the details may come with the checkout (one call) or before it."""

    checkout_details = CheckoutDetailsInput(
        required=False,
        help_text="Give them here to record them and check out at once; without them, the"
        " details PUT on checkout-details/ are used (422 checkout_details_missing if none).",
    )


class CheckoutDetailsSerializer(serializers.Serializer):
    """Who the order is for and where it goes, as the cart's events recorded it.

    Personal data: once the customer was forgotten, each value reads "[erased]" and ``erased``
    is true (the cart's amounts and lines stay).
    """

    email = serializers.CharField()
    full_name = serializers.CharField()
    address_line1 = serializers.CharField()
    address_line2 = serializers.CharField(allow_blank=True)
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()
    erased = serializers.BooleanField(
        help_text=f"True when the customer was forgotten: the values read {ERASED!r}."
    )


def order_number_of(cart: Cart) -> str | None:
    """The order number a checked-out cart shows (order_numbers.shown), None for any other."""
    if cart.status != CartStatus.CHECKED_OUT:
        return None
    return shown(cart.order_number, cart.id)


def details_document(details: CheckoutDetails | None) -> dict[str, Any] | None:
    """CheckoutDetailsSerializer's fields for ``details``: the values as read (ERASED once the
    customer was forgotten) and whether any of them was erased."""
    if details is None:
        return None
    fields: dict[str, Any] = dict(vars(details))
    return fields | {"erased": any(is_erased(value) for value in fields.values())}
