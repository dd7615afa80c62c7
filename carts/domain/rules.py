"""The cart's rules that need no cart: quantities, discount terms and amounts, what a merge
may take over.

Used by the Cart's command methods before they record anything; pure functions, so they can be
read (and tested) apart from the aggregate's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from carts.domain import errors
from carts.domain.events import LeftLine, MergedDiscount, MergedLine
from carts.domain.money import CENT, to_amount
from carts.domain.values import Discount, DiscountKind, Line, MergeLeft

MIN_QUANTITY = 1
MAX_QUANTITY = 99
MAX_LINES = 50


def discount_off(discount: Discount | None, subtotal: Decimal) -> Decimal:
    """What ``discount`` takes off ``subtotal``: a percentage rounded half up to the cent, or a
    fixed amount; never more than the subtotal."""
    if discount is None:
        return Decimal("0.00")
    if discount.kind == DiscountKind.PERCENT:
        off = (subtotal * discount.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        off = discount.value
    return min(off, subtotal)


def split_lines(
    held: Mapping[str, Line], currency: str, offered: Iterable[MergedLine]
) -> tuple[list[MergedLine], list[LeftLine]]:
    """The guest lines a cart holding ``held`` (in ``currency``) may take over at a merge, and
    the units it must leave behind with the reason (values.MergeLeft).

    Quantities are capped at the line limit; lines beyond the line limit or in another currency
    are left whole.
    """
    taken: list[MergedLine] = []
    left: list[LeftLine] = []
    simulated = dict(held)
    for line in offered:
        already = simulated[line.sku].quantity if line.sku in simulated else 0
        quantity, reason = min(line.quantity, MAX_QUANTITY - already), MergeLeft.QUANTITY_LIMIT
        if currency and line.currency != currency:
            quantity, reason = 0, MergeLeft.CURRENCY
        elif already == 0 and len(simulated) >= MAX_LINES:
            quantity, reason = 0, MergeLeft.LINE_LIMIT
        if quantity < line.quantity:
            left.append(LeftLine(line.sku, line.name, line.quantity - max(quantity, 0), reason))
        if quantity < MIN_QUANTITY:
            continue
        currency = currency or line.currency
        taken.append(replace(line, quantity=quantity))
        simulated[line.sku] = Line(line.sku, line.name, line.unit_price, already + quantity)
    return taken, left


def discount_as_offered(held: Discount | None, offered: Discount | None) -> MergedDiscount | None:
    """A cart's discount ``held`` as a merge offers it on: the catalog's current terms
    ``offered`` for its code, or, when the code is no longer offered (None), left behind."""
    if held is None:
        return None
    if offered is None:
        return MergedDiscount(
            held.code, held.kind, held.value, held.currency, left_reason=MergeLeft.NOT_OFFERED
        )
    value = valid_discount_value(offered)
    return MergedDiscount(offered.code, offered.kind, value, offered.currency)


def discount_to_carry(
    discount: MergedDiscount | None,
    *,
    held: Discount | None,
    currency: str,
    lines_taken: bool,
) -> MergedDiscount | None:
    """The guest discount as a cart with discount ``held`` (in ``currency``) can take it at a
    merge: unchanged when it may move, else with the reason it stays (values.MergeLeft).

    It moves only with at least one of the lines it was applied to, onto a cart without a
    discount of its own, and (for an amount) in the cart's currency.
    """
    if discount is None or discount.left_reason:
        return discount
    reason = ""
    if not lines_taken:
        reason = MergeLeft.NOTHING_MOVED
    elif held is not None:
        reason = MergeLeft.HAS_DISCOUNT
    elif discount.kind == DiscountKind.AMOUNT and discount.currency != currency:
        reason = MergeLeft.CURRENCY
    return replace(discount, left_reason=reason) if reason else discount


def require_quantity(quantity: int, *, hint: str = "") -> None:
    """Refuse (QuantityOutOfRange) anything but a whole number of units a line may hold."""
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not (MIN_QUANTITY <= quantity <= MAX_QUANTITY)
    ):
        detail = f" ({hint})" if hint else ""
        raise errors.QuantityOutOfRange(
            f"quantity per line must be a whole number from {MIN_QUANTITY} to {MAX_QUANTITY}, "
            f"got {quantity!r}{detail}"
        )


def valid_discount_value(discount: Discount) -> Decimal:
    """The value in cents. Raises InvalidDiscount for an unknown kind or a value out of range."""
    if discount.kind not in tuple(DiscountKind):
        raise errors.InvalidDiscount(
            f"discount kind {discount.kind!r} is unknown; use 'percent' or 'amount'"
        )
    try:
        value = to_amount(discount.value)
    except ValueError as exc:
        raise errors.InvalidDiscount(f"discount {discount.code}: {exc}") from None
    if value <= 0 or (discount.kind == DiscountKind.PERCENT and value > 100):
        limit = "between 0 and 100" if discount.kind == DiscountKind.PERCENT else "above zero"
        raise errors.InvalidDiscount(f"discount {discount.code}: value must be {limit}")
    return value
