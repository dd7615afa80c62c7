"""The shop's lists that lean on the cart summaries projection: a shopper's carts, and which of
their carts is open.

The list of a shopper's carts reads the projection, with its lag. The shopper's open cart is
found among their carts that the summaries list as open (or have not reached yet) and confirmed
by replaying it: the cart a person works on is always the real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from carts.application import access, catalog, repository
from carts.application.selectors import owned_cart_ids, shopper_cart_ids
from carts.domain.cart import OPEN, Cart
from projections.models import CartSummary
from projections.selectors import ProjectionStatus, cart_summaries, projection_statuses

SUMMARIES = "cart_summaries"


@dataclass(frozen=True)
class CartList:
    """A shopper's carts as the summaries projection has them, and how far it is behind."""

    summaries: list[CartSummary]
    lag_events: int


def shopper_carts(person: access.Person) -> CartList:
    """The person's own carts from the summaries projection, most recently active first."""
    summaries = (
        cart_summaries().filter(cart_id__in=shopper_cart_ids(person)).order_by("-last_activity_at")
    )
    return CartList(summaries=list(summaries), lag_events=_summaries_status().lag_events)


def open_cart_for(owner_id: str) -> Cart | None:
    """The newest open cart created for ``owner_id`` that the shop can still fill, or None.

    A cart in a currency nothing is priced in any more (or never was, for carts opened before
    currencies were checked) is passed over: every add would be refused. It stays in the
    shopper's list of carts.
    """
    if not owner_id:
        return None
    for cart_id in _open_cart_candidates(owner_id):
        cart = repository.load(cart_id)
        if cart.is_open and catalog.sells_in(cart.currency):
            return cart
    return None


def _open_cart_candidates(owner_id: str) -> list[UUID]:
    # The log says which carts are the owner's (newest first); the summaries say which of them
    # were open when last projected, so only those, and any the summaries have not reached yet,
    # need replaying.
    owned = owned_cart_ids(owner_id)
    statuses = dict(cart_summaries().filter(cart_id__in=owned).values_list("cart_id", "status"))
    return [cart_id for cart_id in owned if statuses.get(cart_id, OPEN) == OPEN]


def _summaries_status() -> ProjectionStatus:
    return projection_statuses([SUMMARIES])[0]
