"""Template helpers for the shop: money, moments, product families, the cart badge."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from carts.application.catalog import LineOffer
from carts.application.checkout_details import is_erased
from carts.domain import errors
from carts.domain.cart import Cart
from carts.domain.rules import MAX_QUANTITY, MIN_QUANTITY, require_amounts
from carts.domain.values import CartStatus, Line
from carts.web import shopper

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
FAMILIES = {"TEA": "tea", "POT": "teaware", "CUP": "teaware", "MUG": "teaware", "ACC": "tools"}
STATUSES: dict[str, str] = {
    CartStatus.OPEN: "Open",
    CartStatus.CHECKED_OUT: "Checked out",
    CartStatus.ABANDONED: "Abandoned",
    CartStatus.MERGED: "Merged",
}


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """``€8.90``: two decimals, the currency's symbol when known, else its code."""
    if amount is None:
        return ""
    text = number_format(Decimal(amount), decimal_pos=2, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text} {currency}".strip()


@register.filter
def family(sku: str) -> str:
    """The product family a SKU belongs to (tea, teaware, tools), for its tile colour."""
    return FAMILIES.get(sku.split("-", 1)[0], "other")


@register.filter
def moment(value: datetime) -> str:
    """``Mon 2 Mar 2026, 10:15:42.130 UTC``: an event's time as the moment picker takes it."""
    utc = value.astimezone(UTC)
    return f"{dateformat.format(utc, 'D j M Y, H:i:s')}.{utc.microsecond // 1000:03d} UTC"


@register.filter
def personal(value: str) -> SafeString:
    """A personal value as given, or once its person was forgotten, a pill that says it was
    erased (never the store's marker text)."""
    if is_erased(value):
        return format_html(
            '<span class="pill pill-erased" title="{}">erased</span>',
            "Erased at the customer's request",
        )
    return format_html("{}", value)


@register.filter
def status_label(status: str) -> str:
    """A cart status as a shopper reads it."""
    return STATUSES.get(status, status)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]``, or None."""
    return mapping.get(key) if mapping else None


@register.filter
def short_id(value: object) -> str:
    """The first eight characters of an id: enough to tell carts apart on screen."""
    return str(value)[:8]


@register.simple_tag
def quantity_limits() -> dict[str, int]:
    """The cart's bounds for a line's quantity (``min``, ``max``), for inputs and step buttons."""
    return {"min": MIN_QUANTITY, "max": MAX_QUANTITY}


@register.simple_tag
def one_more_fits(cart: Cart, line: Line, offer: LineOffer | None) -> bool:
    """Whether one more unit of ``line`` stays within the cart's amount bound (MAX_AMOUNT), as
    the cart's own rule (rules.require_amounts) would decide: the unit is priced as the catalog
    offers it now, as a raised quantity is."""
    price = offer.catalog_price if offer and offer.catalog_price is not None else line.unit_price
    try:
        require_amounts(
            unit_price=price,
            line_total=line.total + price,
            subtotal=cart.subtotal + price,
            sku=line.sku,
        )
    except errors.AmountOutOfRange:
        return False
    return True


@register.inclusion_tag("carts/_cart_badge.html", takes_context=True)
def cart_badge(context: template.Context) -> dict[str, Any]:
    """The header's cart link with the number of units in the open cart."""
    request = context.get("request")
    cart = shopper.current_cart(request) if request is not None else None  # request.cart
    return {"units": cart.units if cart else 0}
