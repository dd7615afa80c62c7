"""The cart's snapshot format: its state as plain JSON-ready data, and back.

Bump SCHEMA whenever the format changes: stored snapshots of another schema are then ignored
and carts are replayed from their events instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from carts.domain.values import Discount, Line, PriceTier

# 2: a line lists the units it holds at earlier prices (Line.earlier).
SCHEMA = 2


@dataclass(frozen=True)
class CartState:
    """Everything a cart's events left it with: what a snapshot keeps."""

    version: int
    status: str
    owner_id: str
    created_currency: str
    line_currency: str
    lines: dict[str, Line]
    discount: Discount | None
    merged_into: UUID | None


def dump(state: CartState) -> dict[str, Any]:
    """The state as plain JSON-ready data."""
    discount = state.discount
    return {
        "version": state.version,
        "status": state.status,
        "owner_id": state.owner_id,
        "created_currency": state.created_currency,
        "line_currency": state.line_currency,
        "lines": [
            [
                line.sku,
                line.name,
                str(line.unit_price),
                line.quantity,
                [[str(tier.unit_price), tier.quantity] for tier in line.earlier],
            ]
            for line in state.lines.values()
        ],
        "discount": None
        if discount is None
        else [discount.code, discount.kind, str(discount.value), discount.currency],
        "merged_into": str(state.merged_into) if state.merged_into else None,
    }


def load(data: dict[str, Any]) -> CartState:
    """The state ``dump`` recorded."""
    discount = None
    if data["discount"] is not None:
        code, kind, value, currency = data["discount"]
        discount = Discount(code=code, kind=kind, value=Decimal(value), currency=currency)
    return CartState(
        version=data["version"],
        status=data["status"],
        owner_id=data["owner_id"],
        created_currency=data["created_currency"],
        line_currency=data["line_currency"],
        lines={
            sku: Line(sku, name, Decimal(price), quantity, _tiers(earlier))
            for sku, name, price, quantity, earlier in data["lines"]
        },
        discount=discount,
        merged_into=UUID(data["merged_into"]) if data["merged_into"] else None,
    )


def _tiers(stored: list[list[Any]]) -> tuple[PriceTier, ...]:
    return tuple(PriceTier(Decimal(price), quantity) for price, quantity in stored)
