"""The cart's events: facts in the past tense, with exact money and the prices as offered."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar
from uuid import UUID


@dataclass(frozen=True)
class CartCreated:
    cart_id: UUID
    owner_id: str = ""  # "user:<id>", or "" for a guest's cart kept with the session
    currency: str = ""  # "" until the first item decides it


@dataclass(frozen=True)
class ItemAdded:
    """Units of a product were added; the name and unit price are those offered at that moment.

    The added units keep their price; units already in the line keep theirs. ``reprices_line``
    is true only for events stored before that rule (schema 2 and older), when adding units set
    the price of the whole line: replaying them keeps what those carts showed and charged.
    """

    sku: str
    name: str
    unit_price: Decimal
    currency: str
    quantity: int
    reprices_line: bool = False


@dataclass(frozen=True)
class ItemQuantityChanged:
    """A line's quantity was set. Units taken out leave the newest first; units added are priced
    at ``unit_price`` (the catalog's price then; None in events of schema 1, which priced them
    as the line's newest units)."""

    sku: str
    quantity: int
    previous_quantity: int
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PricedUnits:
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class LineRepriced:
    """The shopper accepted the catalog's current price for every unit of a line.

    ``previous`` is what the units were held at before, oldest first.
    """

    sku: str
    unit_price: Decimal
    quantity: int
    previous: tuple[PricedUnits, ...]


@dataclass(frozen=True)
class ItemRemoved:
    sku: str
    quantity: int


@dataclass(frozen=True)
class DiscountApplied:
    """A discount: ``kind`` is "percent" (value 0-100) or "amount" (value in ``currency``)."""

    code: str
    kind: str
    value: Decimal
    currency: str = ""


@dataclass(frozen=True)
class DiscountRemoved:
    code: str


@dataclass(frozen=True)
class ChargedLine:
    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class CheckoutDetailsProvided:
    """Who the order is for and where it goes, as the shopper gave them for checkout.

    Personal data: the fields named in ``personal_fields`` are stored encrypted under the data
    subject's own key and read as the store's erased marker once that person is forgotten
    (eventstore.personal). ``country`` (ISO 3166-1 alpha-2) is not personal on its own and stays
    readable, so shipping figures survive an erasure.
    """

    email: str
    full_name: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    address_line2: str = ""

    personal_fields: ClassVar[tuple[str, ...]] = (
        "email",
        "full_name",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
    )


@dataclass(frozen=True)
class CartCheckedOut:
    """The cart was bought: the lines and totals exactly as charged, under ``order_number``
    (the number the customer reads aloud; "" for orders placed before numbers were given, which
    are known by their cart id)."""

    lines: tuple[ChargedLine, ...]
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    currency: str
    order_number: str = ""


@dataclass(frozen=True)
class CartAbandoned:
    """The cart was closed unbought. ``reason`` is free text a staff member may have typed about
    the customer, so it is personal data (stored encrypted under the customer's key)."""

    reason: str

    personal_fields: ClassVar[tuple[str, ...]] = ("reason",)


@dataclass(frozen=True)
class MergedLine:
    sku: str
    name: str
    unit_price: Decimal
    currency: str
    quantity: int


@dataclass(frozen=True)
class LeftLine:
    """Units of a guest line that a merge did not carry, and why (a values.MergeLeft code)."""

    sku: str
    name: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class MergedDiscount:
    """The guest cart's discount at a merge: the terms it moved with, or, when ``left_reason``
    is not "", the code that stayed behind and why (a values.MergeLeft code)."""

    code: str
    kind: str
    value: Decimal
    currency: str = ""
    left_reason: str = ""


@dataclass(frozen=True)
class CartMergedFrom:
    """A guest's cart was merged into this one at log-in: ``lines`` (and ``discount``, unless it
    has a ``left_reason``) were taken over, ``left`` are the units that were not.

    Merges recorded before ``left`` and ``discount`` existed read as having left nothing.
    """

    source_cart_id: UUID
    lines: tuple[MergedLine, ...]
    left: tuple[LeftLine, ...] = ()
    discount: MergedDiscount | None = None
    # As ItemAdded.reprices_line: true for events of schema 1, when merged units set the price
    # of the whole line they joined.
    reprices_lines: bool = False


@dataclass(frozen=True)
class CartMergedInto:
    """This guest cart gave ``lines`` (and ``discount``, unless it has a ``left_reason``) to the
    shopper's cart at log-in. With nothing ``left`` the cart is closed as merged; otherwise it
    stays open holding what was left.

    Merges recorded before ``lines`` and ``left`` existed read as having moved everything.
    """

    target_cart_id: UUID
    lines: tuple[MergedLine, ...] = ()
    left: tuple[LeftLine, ...] = ()
    discount: MergedDiscount | None = None


CART_EVENTS: tuple[type, ...] = (
    CartCreated,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    LineRepriced,
    DiscountApplied,
    DiscountRemoved,
    CheckoutDetailsProvided,
    CartCheckedOut,
    CartAbandoned,
    CartMergedFrom,
    CartMergedInto,
)


@dataclass(frozen=True)
class CustomerForgotten:
    """A customer's personal data was erased at their request: the keys of ``subjects`` (their
    own id and the guest identities and carts that held their data) were deleted, so every
    personal value stored under them now reads as erased. ``carts`` are the carts concerned.
    Recorded in the customer's own stream (``customer-<customer>``), by the staff member who
    asked (the event's actor); ``reason`` is the request's reference, never personal data."""

    customer: str
    subjects: tuple[str, ...]
    carts: tuple[UUID, ...]
    reason: str


CUSTOMER_EVENTS: tuple[type, ...] = (CustomerForgotten,)
CUSTOMER_STREAM_TYPE = "customer"


def customer_stream_id(customer: str) -> str:
    """The stream of one customer's own events: ``customer-<customer id>``."""
    return f"customer-{customer}"


# --- where a cart's events live --------------------------------------------------------------

STREAM_TYPE = "cart"


def stream_id(cart_id: UUID) -> str:
    """The event stream that holds one cart: ``cart-<uuid>``."""
    return f"cart-{cart_id}"


@lru_cache(maxsize=4096)
def cart_id_of(stream: str) -> UUID:
    """The cart id inside a cart stream id (cached: a projection batch asks once per event)."""
    return UUID(stream.removeprefix("cart-"))
