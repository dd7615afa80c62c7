"""Reads the shop needs from the carts themselves: the catalog, which carts are a person's,
one readable cart, what a checkout charged, and the usernames of actors (for staff).

Which carts are a shopper's is read from the event log itself (the CartCreated events that name
one of the person's identities as owner, and the guest carts merged into those), never from a
projection that could lag behind; whether a person may read one cart is the access policy's
answer (carts.application.access). Lists that lean on the cart summaries projection are the
interfaces' (carts.web.listings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from carts.application import access, repository
from carts.application.commands import numbered_cart_id
from carts.domain import events as ev
from carts.domain.cart import Cart
from carts.models import Product
from eventstore.models import Event

CREATED = "cart.CartCreated"
MERGED_INTO = "cart.CartMergedInto"
CHECKED_OUT = "cart.CartCheckedOut"


def products(query: str = "") -> QuerySet[Product]:
    """Products on sale, optionally only those whose name, description or SKU has ``query``."""
    found = Product.objects.filter(active=True)
    query = query.strip()
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(sku__icontains=query)
        )
    return found


def every_product() -> QuerySet[Product]:
    """Every product, on sale (``active``) or not, for lists that say which are available."""
    return Product.objects.all()


def product(sku: str) -> Product:
    """The product with this SKU, on sale or not. Raises Product.DoesNotExist."""
    return Product.objects.get(sku=sku)


def owned_cart_ids(*owner_ids: str) -> list[UUID]:
    """Every cart created for one of ``owner_ids``, newest first."""
    wanted = [owner_id for owner_id in owner_ids if owner_id]
    if not wanted:
        return []
    streams = (
        Event.objects.filter(event_type=CREATED, payload__owner_id__in=wanted)
        .order_by("-position")
        .values_list("stream_id", flat=True)
    )
    return [repository.cart_id_of(stream) for stream in streams]


def next_cart_number(owner_id: str) -> int:
    """The number of the owner's next shop cart: the first whose id (commands.numbered_cart_id)
    no cart of theirs has yet. Shop carts are opened in turn, so only the one before it can
    still be open."""
    owned = set(owned_cart_ids(owner_id))
    number = 0
    while numbered_cart_id(owner_id, number) in owned:
        number += 1
    return number


def shopper_cart_ids(person: access.Person) -> list[UUID]:
    """A person's own carts (as user and as the session's guest) and guest carts merged into them.

    The same carts the access policy lets them read as an owner.
    """
    owned = owned_cart_ids(*sorted(person.owner_ids))
    return list(dict.fromkeys([*owned, *merged_into(owned)]))


def merged_into(cart_ids: Iterable[UUID]) -> list[UUID]:
    """The guest carts merged (at log-in) into any of ``cart_ids``."""
    targets = [str(cart_id) for cart_id in cart_ids]
    if not targets:
        return []
    streams = Event.objects.filter(
        event_type=MERGED_INTO, payload__target_cart_id__in=targets
    ).values_list("stream_id", flat=True)
    return [repository.cart_id_of(stream) for stream in streams]


def owners_of(cart_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The owner id each cart was created for ("" for a guest cart kept with a session)."""
    streams = [repository.stream_id(cart_id) for cart_id in cart_ids]
    created = Event.objects.filter(event_type=CREATED, stream_id__in=streams).values_list(
        "stream_id", "payload__owner_id"
    )
    return {repository.cart_id_of(stream): str(owner or "") for stream, owner in created}


def actors_on(cart_ids: Iterable[UUID]) -> set[str]:
    """Every actor that wrote an event of one of the carts."""
    streams = [repository.stream_id(cart_id) for cart_id in cart_ids]
    actors = Event.objects.filter(stream_id__in=streams).values_list("metadata__actor", flat=True)
    return {str(actor) for actor in actors.distinct() if actor}


def readable_cart_ids(person: access.Person) -> list[UUID] | None:
    """The ids of the carts ``person`` may read: None when the policy lets them read every
    cart, else their own (as :func:`shopper_cart_ids`)."""
    if access.may_read_any_cart(person):
        return None
    return shopper_cart_ids(person)


def readable_cart(person: access.Person, cart_id: UUID, action: access.Action) -> Cart:
    """The cart now, if ``person`` may do ``action`` to it.

    Raises CartNotFound for a missing cart and for one the person may not read (the same
    answer: whether someone else's cart exists is not their business), and access.Refused for
    one they may read but not change.
    """
    cart = repository.load(cart_id)
    access.require(person, action, access.facts_of(cart))
    return cart


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


def usernames(actors: Iterable[str]) -> dict[str, str]:
    """The username of every ``user:<id>`` among ``actors`` whose user exists."""
    ids = {int(m[1]) for actor in actors if (m := _USER_ACTOR.fullmatch(actor))}
    users = get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")
    return {f"user:{pk}": str(username) for pk, username in users}


# A user's primary key as events record it: ASCII digits only, and few enough for a bigint.
_USER_ACTOR = re.compile(r"user:([0-9]{1,18})")
