"""Reads the shop needs: the catalog, a shopper's carts, and what a checkout charged.

A shopper's carts are found in the event log itself (the CartCreated events that name them as
owner, and the guest carts merged into those), then replayed, so what the shop shows is always
the carts' own events and never a copy that could lag behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Max, Min, Q, QuerySet

from carts import repository
from carts.domain import errors
from carts.domain import events as ev
from carts.domain.cart import Cart
from carts.models import Product
from eventstore.models import Event

CREATED = "cart.CartCreated"
MERGED_INTO = "cart.CartMergedInto"
CHECKED_OUT = "cart.CartCheckedOut"


@dataclass(frozen=True)
class Shopper:
    """Who is asking: ``owner_id`` ("user:<id>", "" for a guest) and the session's guest carts."""

    owner_id: str
    guest_cart_ids: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class CartEntry:
    """A cart in a shopper's list: the cart replayed and the moments it began and last changed."""

    cart: Cart
    created_at: datetime
    last_activity_at: datetime


def products(query: str = "") -> QuerySet[Product]:
    """Products on sale, optionally only those whose name, description or SKU has ``query``."""
    found = Product.objects.filter(active=True)
    query = query.strip()
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(sku__icontains=query)
        )
    return found


def product(sku: str) -> Product:
    """The product with this SKU, on sale or not. Raises Product.DoesNotExist."""
    return Product.objects.get(sku=sku)


def owned_cart_ids(owner_id: str) -> list[UUID]:
    """Every cart created for ``owner_id``, newest first."""
    if not owner_id:
        return []
    streams = (
        Event.objects.filter(event_type=CREATED, payload__owner_id=owner_id)
        .order_by("-position")
        .values_list("stream_id", flat=True)
    )
    return [repository.cart_id_of(stream) for stream in streams]


def shopper_cart_ids(shopper: Shopper) -> list[UUID]:
    """The carts a shopper may see: owned ones, guest carts merged into them, and the session's."""
    owned = owned_cart_ids(shopper.owner_id)
    merged = (
        Event.objects.filter(
            event_type=MERGED_INTO, payload__target_cart_id__in=[str(i) for i in owned]
        ).values_list("stream_id", flat=True)
        if owned
        else []
    )
    ids = [*owned, *(repository.cart_id_of(s) for s in merged), *shopper.guest_cart_ids]
    return list(dict.fromkeys(ids))


def open_cart_for(owner_id: str) -> Cart | None:
    """The newest open cart created for ``owner_id``, or None."""
    for cart_id in owned_cart_ids(owner_id):
        cart = repository.load(cart_id)
        if cart.is_open:
            return cart
    return None


def shopper_cart(shopper: Shopper, cart_id: UUID) -> Cart:
    """A cart the shopper may see. Raises CartNotFound for a cart that is not theirs."""
    if cart_id not in shopper_cart_ids(shopper):
        # The same answer as for a cart that does not exist: whether someone else's cart
        # exists is itself not the shopper's business.
        raise errors.CartNotFound(f"no cart {cart_id}")
    return repository.load(cart_id)


def shopper_carts(shopper: Shopper) -> list[CartEntry]:
    """The shopper's carts, most recently active first."""
    ids = shopper_cart_ids(shopper)
    moments = _activity(ids)
    entries = [
        CartEntry(cart=repository.load(cart_id), created_at=first, last_activity_at=last)
        for cart_id, (first, last) in moments.items()
    ]
    return sorted(entries, key=lambda entry: entry.last_activity_at, reverse=True)


def checkout_of(cart: Cart) -> ev.CartCheckedOut | None:
    """What a checked-out cart was charged, as its CartCheckedOut event says; else None."""
    found = (
        Event.objects.filter(stream_id=repository.stream_id(cart.id), event_type=CHECKED_OUT)
        .values_list("version", flat=True)
        .first()
    )
    if found is None:
        return None
    event = repository.history(cart.id)[found - 1]
    return event.data  # type: ignore[no-any-return]


def actor_names(actors: Iterable[str]) -> dict[str, str]:
    """Readable names for event actors: usernames for ``user:<id>``, the rest as they are."""
    ids = {actor.removeprefix("user:") for actor in actors if actor.startswith("user:")}
    users = get_user_model().objects.filter(pk__in=[i for i in ids if i.isdigit()])
    names = {f"user:{user.pk}": user.get_username() for user in users}
    return {actor: names.get(actor, _plain_actor(actor)) for actor in actors}


def _plain_actor(actor: str) -> str:
    return "guest" if actor.startswith("guest:") else actor


def _activity(cart_ids: list[UUID]) -> dict[UUID, tuple[datetime, datetime]]:
    rows = (
        Event.objects.filter(stream_id__in=[repository.stream_id(i) for i in cart_ids])
        .values("stream_id")
        .annotate(first=Min("recorded_at"), last=Max("recorded_at"))
    )
    return {repository.cart_id_of(row["stream_id"]): (row["first"], row["last"]) for row in rows}
