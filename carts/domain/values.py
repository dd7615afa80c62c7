"""Value objects the cart works with: offers, discount terms, lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class CartStatus(StrEnum):
    """Where a cart is in its life; stored in events and read models as the plain string."""

    OPEN = "open"
    CHECKED_OUT = "checked_out"
    ABANDONED = "abandoned"
    MERGED = "merged"


class MergeLeft(StrEnum):
    """Why a merge at log-in left something of the guest cart behind."""

    CURRENCY = "currency"  # priced in another currency than the shopper's cart
    QUANTITY_LIMIT = "quantity_limit"  # the shopper's line would pass the units a line holds
    LINE_LIMIT = "line_limit"  # the shopper's cart holds as many different products as it may
    NOT_OFFERED = "not_offered"  # the discount code is no longer offered
    HAS_DISCOUNT = "has_discount"  # the shopper's cart has a discount already
    NOTHING_MOVED = "nothing_moved"  # the discount stays with the lines it was applied to


class DiscountKind(StrEnum):
    """How a discount takes money off: a percentage of the subtotal, or a fixed amount."""

    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, kw_only=True)
class ProductOffer:
    """A product as the catalog offers it right now: what add_item needs to decide."""

    sku: str
    name: str
    unit_price: Decimal
    currency: str
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class Discount:
    """Discount terms: a percentage of the subtotal, or a fixed amount off."""

    code: str
    kind: str
    value: Decimal
    currency: str = ""


@dataclass(frozen=True)
class Line:
    """One line of the cart: a SKU, its unit price as offered, and how many."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity
