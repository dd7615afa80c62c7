"""Amounts of money and currency codes, checked where they enter the domain."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def to_amount(value: Decimal | int | str) -> Decimal:
    """A Decimal rounded to cents; raises ValueError for anything that is not a finite number."""
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
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def check_currency(code: str) -> str:
    """An ISO 4217 code such as 'EUR'; raises ValueError otherwise."""
    if not _CURRENCY.match(code or ""):
        raise ValueError(f"currency {code!r} should be a three-letter ISO 4217 code such as 'EUR'")
    return code
