"""The cart's rules that need no cart: quantities, discount terms and amounts, the range of
every amount, the currencies a cart may be opened in, what a merge may take over.

Used by the Cart's command methods before they record anything; pure functions, so they can be
read (and tested) apart from the aggregate's state.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from carts.domain import errors
from carts.domain.events import LeftLine, MergedDiscount, MergedLine
from carts.domain.money import CENT, MAX_AMOUNT, check_currency, require_within_range, to_amount
from carts.domain.plain_text import hidden_character, tidied
from carts.domain.values import (
    REQUIRED_DETAILS,
    CheckoutDetails,
    Discount,
    DiscountKind,
    Line,
    MergeLeft,
)

MIN_QUANTITY = 1
MAX_QUANTITY = 99
MAX_LINES = 50
REASON_MAX = 200


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

    Quantities are capped at the line limit and at what keeps the subtotal within MAX_AMOUNT;
    lines beyond the line limit or in another currency are left whole.
    """
    taken: list[MergedLine] = []
    left: list[LeftLine] = []
    simulated = dict(held)
    subtotal = sum((line.total for line in held.values()), Decimal("0.00"))
    for line in offered:
        already = simulated[line.sku].quantity if line.sku in simulated else 0
        quantity, reason = min(line.quantity, MAX_QUANTITY - already), MergeLeft.QUANTITY_LIMIT
        within = _units_within(line, subtotal)
        if within < quantity:
            quantity, reason = within, MergeLeft.AMOUNT_LIMIT
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
        subtotal += line.unit_price * quantity
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


def _units_within(line: MergedLine, subtotal: Decimal) -> int:
    # A line's total is part of the subtotal, so the subtotal's room bounds both.
    if line.unit_price <= 0:
        return MAX_QUANTITY
    return max(0, int((MAX_AMOUNT - subtotal) // line.unit_price))


def require_amounts(
    *, unit_price: Decimal, line_total: Decimal, subtotal: Decimal, sku: str
) -> None:
    """Refuse (AmountOutOfRange) a line of ``sku`` whose unit price or total, or a cart whose
    subtotal, would exceed money.MAX_AMOUNT. The discount and the total never exceed the
    subtotal, so these three bound every amount of the cart."""
    hint = "buy fewer units, or split the order over several carts"
    require_within_range(unit_price, what=f"the unit price of {sku}", hint=hint)
    require_within_range(line_total, what=f"the total of the line {sku}", hint=hint)
    require_within_range(subtotal, what="the cart's subtotal", hint=hint)


def require_checkout_details(details: CheckoutDetails) -> None:
    """Raises InvalidCheckoutDetails naming the first required detail left empty."""
    for name in REQUIRED_DETAILS:
        if not getattr(details, name).strip():
            raise errors.InvalidCheckoutDetails(f"{name} is required for checkout", field=name)


def checked_reason(reason: str) -> str:
    """Why a cart is closed, as it is recorded: plain text on one line (carts.domain.plain_text),
    spaces tidied, at most REASON_MAX characters. Raises InvalidReason."""
    if hidden_character(reason) is not None:
        raise errors.InvalidReason(
            "the reason holds control or invisible characters (a line break, a tab, a"
            " direction override); write it as plain text on one line"
        )
    text = tidied(reason)
    if len(text) > REASON_MAX:
        raise errors.InvalidReason(f"the reason is longer than {REASON_MAX} characters")
    return text


def require_sold_currency(currency: str, sold: Collection[str]) -> None:
    """Refuse a currency that is no ISO 4217 code (InvalidCurrency) or that nothing in the shop
    is priced in (CurrencyNotSold): a cart in it could never hold an item."""
    try:
        check_currency(currency)
    except ValueError as exc:
        raise errors.InvalidCurrency(str(exc)) from None
    if currency not in sold:
        offered = ", ".join(sorted(sold)) or "none at the moment"
        raise errors.CurrencyNotSold(
            f"nothing in the shop is priced in {currency}; open the cart in a currency the shop "
            f"sells ({offered}) or without one (its first item decides it)"
        )


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
