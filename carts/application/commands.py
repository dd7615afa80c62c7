"""Cart commands as data: what a person asks of a cart, named as a verb.

Every interface (shop views, API, admin, tasks, demo data) builds one of these and hands it to
:func:`carts.application.handler.handle`; none of them calls the aggregate itself.
``expected_version`` is the cart version the person decided on (If-Match, the checkout form), or
the versions any of which they accept (an If-Match list; empty when none of its tags can match):
when given, a cart that moved on refuses the command instead of deciding again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID, uuid5

from carts.domain.values import CheckoutDetails


@dataclass(frozen=True, kw_only=True)
class CartCommand:
    """A command on one existing cart."""

    cart_id: UUID
    expected_version: int | frozenset[int] | None = None


@dataclass(frozen=True, kw_only=True)
class CreateCart:
    """Open a cart; ``owner_id`` "" means for the person asking, ``cart_id`` None a new id.

    ``number`` opens the owner's shop cart of that number instead, under the id
    :func:`numbered_cart_id` gives: two requests that open the same owner's next cart at once
    ask for one stream, so the event store lets one of them win (CartAlreadyExists for the
    other) instead of giving the shopper two carts.
    """

    owner_id: str = ""
    currency: str = ""
    cart_id: UUID | None = None
    number: int | None = None


SHOP_CARTS = UUID("6f0b7c52-3a34-5c1e-9d0e-2b8f4a7d3c11")
"""The namespace of the shop carts' ids (RFC 9562 name-based UUIDs, version 5)."""


def numbered_cart_id(owner_id: str, number: int) -> UUID:
    """The id of the owner's shop cart number ``number`` (0, 1, 2, ...): the same for every
    request that asks, so that opening it twice collides on the stream's first version."""
    return uuid5(SHOP_CARTS, f"{owner_id}#{number}")


@dataclass(frozen=True, kw_only=True)
class AddItem(CartCommand):
    """Add ``quantity`` units of the product ``sku`` at its current price."""

    sku: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class ChangeQuantity(CartCommand):
    """Set the quantity of the line ``sku``."""

    sku: str
    quantity: int


@dataclass(frozen=True, kw_only=True)
class RemoveItem(CartCommand):
    """Take the line ``sku`` out of the cart."""

    sku: str


@dataclass(frozen=True, kw_only=True)
class UpdateLinePrice(CartCommand):
    """Accept the catalog's current price ``unit_price`` for every unit of the line ``sku``."""

    sku: str
    unit_price: Decimal


@dataclass(frozen=True, kw_only=True)
class ApplyDiscount(CartCommand):
    """Apply the discount code a shopper typed."""

    code: str


@dataclass(frozen=True, kw_only=True)
class RemoveDiscount(CartCommand):
    """Take the discount off."""


@dataclass(frozen=True, kw_only=True)
class GiveGoodwill(CartCommand):
    """A staff member's discount not tied to a code: ``kind`` percent or amount, ``value``."""

    kind: str
    value: Decimal
    currency: str = ""


@dataclass(frozen=True, kw_only=True)
class ProvideCheckoutDetails(CartCommand):
    """Say who the order is for and where it goes (see checkout_details.checked_details)."""

    details: CheckoutDetails


@dataclass(frozen=True, kw_only=True)
class CheckOut(CartCommand):
    """Buy the cart as it stands; ``details`` given here are recorded first (a one-page
    checkout), else those provided before are used."""

    details: CheckoutDetails | None = None


@dataclass(frozen=True, kw_only=True)
class Abandon(CartCommand):
    """Close an open cart nobody will check out, saying why."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class MergeCarts:
    """At log-in, move the guest cart ``source_cart_id`` into the shopper's ``target_cart_id``."""

    source_cart_id: UUID
    target_cart_id: UUID


Command = CreateCart | CartCommand | MergeCarts
