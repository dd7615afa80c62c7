"""How a cart line's units and their prices change: units keep the price they were added at.

Pure functions on :class:`~carts.domain.values.Line`, used by the aggregate when it applies
events (so: assignment only, no checks). Lines are built directly rather than with
dataclasses.replace, which costs several times more and runs once per event on replay.
"""

from __future__ import annotations

from decimal import Decimal

from carts.domain.values import Line, PriceTier


def with_units(
    line: Line | None, sku: str, name: str, price: Decimal, quantity: int, *, reprice: bool
) -> Line:
    """``line`` (None: a new line) with ``quantity`` more units at ``price``.

    ``reprice`` gives every unit of the line ``price``: what adding meant before units kept
    their own price (events of older schemas).
    """
    if line is None or reprice:
        return Line(sku, name, price, quantity + (line.quantity if line else 0))
    if price == line.unit_price:
        return Line(sku, name, price, line.quantity + quantity, line.earlier)
    return Line(sku, name, price, line.quantity + quantity, (*line.earlier, line.tiers[-1]))


def without_newest(line: Line, count: int) -> Line:
    """``line`` with its ``count`` newest units taken out: the last added leave first."""
    if not line.earlier:
        return Line(line.sku, line.name, line.unit_price, line.quantity - count)
    tiers = list(line.tiers)
    while count:
        last = tiers.pop()
        taken = min(count, last.quantity)
        count -= taken
        if taken < last.quantity:
            tiers.append(PriceTier(last.unit_price, last.quantity - taken))
    *earlier, newest = tiers
    quantity = sum(tier.quantity for tier in tiers)
    return Line(line.sku, line.name, newest.unit_price, quantity, tuple(earlier))


def without_units_at(line: Line, price: Decimal, count: int) -> Line | None:
    """``line`` with ``count`` of its units held at ``price`` taken out, oldest first; None
    when no unit is left."""
    tiers: list[PriceTier] = []
    for tier in line.tiers:
        taken = min(count, tier.quantity) if tier.unit_price == price else 0
        count -= taken
        if tier.quantity > taken:
            tiers.append(PriceTier(tier.unit_price, tier.quantity - taken))
    if not tiers:
        return None
    *earlier, newest = tiers
    quantity = sum(tier.quantity for tier in tiers)
    return Line(line.sku, line.name, newest.unit_price, quantity, tuple(earlier))


def repriced(line: Line, price: Decimal) -> Line:
    """``line`` with every unit at ``price``."""
    return Line(line.sku, line.name, price, line.quantity)
