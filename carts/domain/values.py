"""Value objects the cart works with: offers, discount terms, lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeGuard


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
    AMOUNT_LIMIT = "amount_limit"  # the shopper's cart would pass money.MAX_AMOUNT
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


def on_sale(offer: ProductOffer | None) -> TypeGuard[ProductOffer]:
    """Whether a product the catalog lists as ``offer`` (None: not listed) can be bought now."""
    return offer is not None and offer.active


def sold_in(offer: ProductOffer | None, currency: str) -> TypeGuard[ProductOffer]:
    """Whether a cart in ``currency`` ("" before its first item) can buy ``offer`` now: on sale,
    and priced in that currency (a product moved to another currency is not sold in this one)."""
    return on_sale(offer) and (not currency or offer.currency == currency)


@dataclass(frozen=True, kw_only=True)
class Discount:
    """Discount terms: a percentage of the subtotal, or a fixed amount off."""

    code: str
    kind: str
    value: Decimal
    currency: str = ""


@dataclass(frozen=True)
class PriceTier:
    """Units of one line held at one unit price."""

    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Line:
    """One line of the cart: a SKU and how many units, each at the price it was added at.

    ``unit_price`` is the price of the units added last. Units added earlier at another price
    keep theirs in ``earlier`` (oldest first); the newest ``quantity - sum(earlier)`` units are
    at ``unit_price``. A line whose units all share one price has ``earlier == ()``.
    """

    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    earlier: tuple[PriceTier, ...] = ()

    @property
    def tiers(self) -> tuple[PriceTier, ...]:
        """Every unit of the line by price, oldest first."""
        held = sum(tier.quantity for tier in self.earlier)
        return (*self.earlier, PriceTier(self.unit_price, self.quantity - held))

    @property
    def total(self) -> Decimal:
        if not self.earlier:
            return self.unit_price * self.quantity
        return sum((tier.total for tier in self.tiers), Decimal("0.00"))

    def differs_from(self, price: Decimal) -> bool:
        """Whether any unit of the line is held at a price other than ``price``."""
        return bool(self.earlier) or self.unit_price != price


# What a personal value reads as once its person was forgotten: the event store's marker
# (eventstore.personal.ERASED; a test keeps the two equal, as this layer imports nothing).
ERASED = "[erased]"
REQUIRED_DETAILS = ("email", "full_name", "address_line1", "city", "postal_code", "country")


@dataclass(frozen=True, kw_only=True)
class CheckoutDetails:
    """Contact and shipping address of an order (checked by the application before they get
    here: e-mail syntax, a known country, lengths). Personal data, see CheckoutDetailsProvided."""

    email: str
    full_name: str
    address_line1: str
    address_line2: str = ""
    city: str
    postal_code: str
    country: str

    @property
    def erased(self) -> bool:
        """Whether the person they were given by was forgotten: nobody could deliver to them."""
        return self.email == ERASED
