"""Rules on the values a cart command brings: quantities and discount terms.

Checked by the Cart's command methods before they record anything; pure functions, so they can
be read (and tested) apart from the aggregate's state.
"""

from __future__ import annotations

from decimal import Decimal

from carts.domain import errors
from carts.domain.money import to_amount
from carts.domain.values import Discount, DiscountKind

MIN_QUANTITY = 1
MAX_QUANTITY = 99


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
