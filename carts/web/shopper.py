"""The shopper behind a request: who they are and which cart they are filling.

The current cart's id lives in the session. A guest's carts are owned by the session's guest
identity (see carts.web.request_context), so they are found again from the event log as a signed-in
shopper's are when the session does not name one. On log-in, the guest's cart is merged into the
shopper's open cart through the ordinary merge command, so both carts' histories record it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest

from carts.application import repository, selectors, services
from carts.application.access import GUEST_PREFIX, Person
from carts.application.services import CommandResult
from carts.domain import errors
from carts.domain.cart import Cart
from carts.web.request_context import context_from_request, guest_id_of, person_of

CART_KEY = "cart_id"

log = logging.getLogger(__name__)


def shopper_of(request: HttpRequest) -> Person:
    """The person making this request, as the access policy and the selectors know them."""
    return person_of(request)


def current_cart(request: HttpRequest) -> Cart | None:
    """The open cart this shopper is filling, or None when there is none yet."""
    owner_id = person_of(request).own_id
    stored = request.session.get(CART_KEY)
    if stored:
        try:
            cart = repository.load(UUID(stored))
        except (errors.CartNotFound, ValueError):
            cart = None
        if cart is not None and cart.is_open and owner_id and cart.owner_id == owner_id:
            return cart
        del request.session[CART_KEY]
    found = selectors.open_cart_for(owner_id) if owner_id else None
    if found is not None:
        request.session[CART_KEY] = str(found.id)
    return found


def fill_cart(request: HttpRequest, command: Callable[[UUID], CommandResult]) -> CommandResult:
    """Run ``command`` on the shopper's open cart, opening one first when they have none.

    A new cart and the command share one transaction, so a refused first command leaves no
    empty cart behind and writes nothing.
    """
    cart = current_cart(request)
    if cart is not None:
        return command(cart.id)
    owner_id = person_of(request).user_id or guest_id_of(request, create=True)
    with transaction.atomic():
        created = services.cart_create(
            owner_id=owner_id, context=context_from_request(request, source="ui")
        )
        result = command(created.cart.id)
    remember_cart(request, created.cart.id)
    return result


def remember_cart(request: HttpRequest, cart_id: UUID) -> None:
    """Make ``cart_id`` the session's current cart."""
    request.session[CART_KEY] = str(cart_id)


def merge_guest_cart(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On log-in, move the session's guest cart into the shopper's open cart (if it has lines)."""
    if request is None or not hasattr(request, "session"):
        return
    guest_cart = _guest_cart(request)
    if guest_cart is None:
        return
    context = context_from_request(request, source="ui")
    owner_id = f"user:{user.pk}"
    target = selectors.open_cart_for(owner_id)
    try:
        if target is None:
            target = services.cart_create(owner_id=owner_id, context=context).cart
        services.cart_merge(source_cart_id=guest_cart.id, target_cart_id=target.id, context=context)
    except errors.CartError as exc:
        # Logging in must not fail because a cart could not be merged; the guest cart stays
        # where it is and remains listed with the shopper's carts.
        log.warning("guest cart %s not merged at log-in: %s", guest_cart.id, exc)
        return
    request.session[CART_KEY] = str(target.id)


def _guest_cart(request: HttpRequest) -> Cart | None:
    stored = request.session.get(CART_KEY)
    if not stored:
        return None
    try:
        cart = repository.load(UUID(stored))
    except (errors.CartNotFound, ValueError):
        return None
    guest_id = guest_id_of(request)
    if not guest_id.startswith(GUEST_PREFIX) or cart.owner_id != guest_id:
        return None
    if not cart.is_open or not cart.lines:
        return None
    return cart


def connect() -> None:
    """Listen for log-ins (called once from the app's ready())."""
    user_logged_in.connect(merge_guest_cart, dispatch_uid="carts.web.shopper.merge_guest_cart")
