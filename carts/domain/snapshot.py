"""The cart's snapshot format: its state as plain JSON-ready data, and back.

Bump SCHEMA whenever the format changes: stored snapshots of another schema are then ignored
and carts are replayed from their events instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from carts.domain.values import Discount, Line

if TYPE_CHECKING:
    from carts.domain.cart import Cart

SCHEMA = 1


def dump(cart: Cart) -> dict[str, Any]:
    """The cart's state as plain data."""
    return {
        "version": cart.version,
        "status": cart.status,
        "owner_id": cart.owner_id,
        "created_currency": cart.created_currency,
        "line_currency": cart.line_currency,
        "lines": [
            [line.sku, line.name, str(line.unit_price), line.quantity]
            for line in cart.lines.values()
        ],
        "discount": None
        if cart.discount is None
        else [
            cart.discount.code,
            cart.discount.kind,
            str(cart.discount.value),
            cart.discount.currency,
        ],
        "merged_into": str(cart.merged_into) if cart.merged_into else None,
    }


def restore(cart: Cart, state: dict[str, Any]) -> None:
    """Put a blank cart into the state ``dump`` recorded."""
    cart.version = state["version"]
    cart.status = state["status"]
    cart.owner_id = state["owner_id"]
    cart.created_currency = state["created_currency"]
    cart.line_currency = state["line_currency"]
    cart.lines = {
        sku: Line(sku, name, Decimal(price), quantity)
        for sku, name, price, quantity in state["lines"]
    }
    if state["discount"] is not None:
        code, kind, value, currency = state["discount"]
        cart.discount = Discount(code=code, kind=kind, value=Decimal(value), currency=currency)
    cart.merged_into = UUID(state["merged_into"]) if state["merged_into"] else None
