"""Amounts of money and currency codes, checked where they enter the domain.

Every amount a cart holds (a unit price, a line's total, the subtotal, a discount or goodwill,
the total) is at most ``MAX_AMOUNT``: the catalog's price column, the read models and the API
are sized to hold it, and a command that would go beyond it is refused (AmountOutOfRange).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from carts.domain import errors

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")
# Digits (two of them after the point) a column needs for any amount a cart ever recorded:
# MAX_AMOUNT needs 10, and carts stored before the bound existed reach at most 50 lines x 99
# units x a 10-digit price, below 10**12.
RECORDED_AMOUNT_DIGITS = 14
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def to_amount(value: Decimal | int | str) -> Decimal:
    """A Decimal rounded to cents.

    Raises ValueError for anything that is not a finite number, AmountOutOfRange for a number
    beyond ``MAX_AMOUNT`` either way.
    """
    if isinstance(value, float):
        raise ValueError("money must be a Decimal or a string such as '9.99', never a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        raise ValueError(
            f"{value!r} is not an amount of money; send a number such as '9.99'"
        ) from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money; send a number such as '9.99'")
    # Checked before rounding: quantizing a number of more than 28 digits raises.
    require_within_range(abs(amount), what="an amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def require_within_range(amount: Decimal, *, what: str, hint: str = "") -> None:
    """Refuse (AmountOutOfRange) an ``amount`` above MAX_AMOUNT, naming ``what`` it is."""
    if amount > MAX_AMOUNT:
        shown = f"{amount:,.2f}" if amount.adjusted() < 30 else f"{amount:.3e}"
        raise errors.AmountOutOfRange(
            f"{what} would be {shown}, above the most a cart may hold, {MAX_AMOUNT:,.2f}"
            + (f"; {hint}" if hint else "")
        )


def check_currency(code: str) -> str:
    """An ISO 4217 code such as 'EUR'; raises ValueError otherwise."""
    if not isinstance(code, str) or not _CURRENCY.match(code):
        raise ValueError(f"currency {code!r} should be a three-letter ISO 4217 code such as 'EUR'")
    return code
