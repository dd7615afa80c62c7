"""The shopper behind a request: which cart they are filling, read once per request.

The current cart's id lives in the session. A guest's carts are owned by the session's guest
identity (see carts.web.request_context), so they are found again from the event log as a
signed-in shopper's are when the session does not name one. ``request.cart`` (set by
:class:`CartMiddleware`, as django-oscar's basket middleware sets ``request.basket``) loads the
open cart on first use and shares it with the views, the catalog's marks and the cart badge. On
log-in, the guest's cart is merged into the shopper's open cart through the ordinary merge
command, so both carts' histories record it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from carts.application import catalog, repository
from carts.application.access import GUEST_PREFIX, Refused
from carts.application.commands import AddItem, CreateCart, MergeCarts
from carts.application.handler import CommandResult, handle
from carts.domain import errors
from carts.domain.cart import Cart
from carts.web import listings
from carts.web.request_context import command_context, guest_id_of, person_of

CART_KEY = "cart_id"

log = logging.getLogger(__name__)


class RequestCart:
    """``request.cart``: the shopper's open cart, replayed from its events at most once."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._loaded = False
        self._cart: Cart | None = None

    def get(self) -> Cart | None:
        """The open cart this shopper is filling, or None when there is none yet."""
        if not self._loaded:
            self._cart, self._loaded = _find_current_cart(self._request), True
        return self._cart

    def set(self, cart: Cart) -> None:
        """The cart as a command of this request left it (so what is shown is what was done)."""
        self._cart, self._loaded = cart, True
        self._request.session[CART_KEY] = str(cart.id)


class CartMiddleware:
    """Give every request a lazy ``request.cart`` (after sessions and authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.cart = RequestCart(request)  # type: ignore[attr-defined]
        # Every answer may depend on the session (whose carts these are), so every answer says
        # so (Vary: Cookie): otherwise only those that read it would, and a 404 for someone
        # else's cart would differ from a 404 for a missing one by that header alone.
        request.session.accessed = True
        return self.get_response(request)


def current_cart(request: HttpRequest) -> Cart | None:
    """The request's open cart (``request.cart``), loaded once however often it is asked."""
    holder: RequestCart | None = getattr(request, "cart", None)
    if holder is None:  # a request that did not pass the middleware (a signal's, a test's)
        holder = RequestCart(request)
        request.cart = holder  # type: ignore[attr-defined]
    return holder.get()


def add_to_cart(request: HttpRequest, *, sku: str, quantity: int) -> CommandResult:
    """Add to the shopper's open cart, opening one first when they have none.

    The session's cart is not replayed to find out whether it is still open and theirs: the
    handler reads it to decide anyway, and says so (one read per click instead of two). A new
    cart and its first item share one transaction and one request's metadata, so a refused
    first item leaves no empty cart behind and both events share a correlation id.
    Raises the cart's rules (carts.domain.errors).
    """
    context = command_context(request, source="ui")
    stored = _stored_cart_id(request)
    if stored is not None:
        try:
            result = handle(AddItem(cart_id=stored, sku=sku, quantity=quantity), context)
        except (errors.CartNotFound, errors.CartNotOpen, Refused):
            del request.session[CART_KEY]  # closed, gone or not theirs: find or open another
        except errors.CurrencyMismatch:
            if catalog.sells_in(repository.load(stored).currency):
                raise  # a usable cart in another currency: the shopper chooses (add_to_new_cart)
            del request.session[CART_KEY]  # a currency the shop no longer sells: never forced
        else:
            request.cart.set(result.cart)  # type: ignore[attr-defined]
            return result
    cart = current_cart(request)
    with transaction.atomic():
        if cart is None:
            cart = handle(CreateCart(), context).cart
        result = handle(AddItem(cart_id=cart.id, sku=sku, quantity=quantity), context)
    request.cart.set(result.cart)  # type: ignore[attr-defined]
    return result


def add_to_new_cart(request: HttpRequest, *, sku: str, quantity: int) -> CommandResult:
    """Open a new cart with this item and make it the shopper's current cart.

    The way out when a product is priced in another currency than the cart being filled: a cart
    holds one currency, so the item starts a cart of its own, and the cart being filled stays
    open under "My carts" (``switch_to`` goes back to it). Raises the cart's rules.
    """
    context = command_context(request, source="ui")
    with transaction.atomic():
        cart = handle(CreateCart(), context).cart
        result = handle(AddItem(cart_id=cart.id, sku=sku, quantity=quantity), context)
    request.cart.set(result.cart)  # type: ignore[attr-defined]
    return result


def switch_to(request: HttpRequest, cart: Cart) -> bool:
    """Make ``cart`` the current cart if it is the shopper's own, open and in a currency the
    shop still sells; False otherwise (staff who may shop in anyone's cart fill only theirs)."""
    if cart.owner_id != person_of(request).own_id or not _fillable(cart):
        return False
    request.cart.set(cart)  # type: ignore[attr-defined]
    return True


def _stored_cart_id(request: HttpRequest) -> UUID | None:
    try:
        return UUID(request.session[CART_KEY])
    except (KeyError, ValueError):
        return None


def _find_current_cart(request: HttpRequest) -> Cart | None:
    owner_id = person_of(request).own_id
    stored = request.session.get(CART_KEY)
    if stored:
        try:
            cart = repository.load(UUID(stored))
        except (errors.CartNotFound, ValueError):
            cart = None
        if cart is not None and owner_id and cart.owner_id == owner_id and _fillable(cart):
            return cart
        del request.session[CART_KEY]
    found = listings.open_cart_for(owner_id) if owner_id else None
    if found is not None:
        request.session[CART_KEY] = str(found.id)
    return found


def _fillable(cart: Cart) -> bool:
    # A cart in a currency the shop does not sell (opened before currencies were checked, or
    # whose products were all retired) would refuse every add: it is never forced on anyone.
    return cart.is_open and catalog.sells_in(cart.currency)


def merge_guest_cart(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On log-in, move the session's guest cart into the shopper's open cart (if it has lines)."""
    if request is None or not hasattr(request, "session"):
        return
    guest_cart = _guest_cart(request)
    if guest_cart is None:
        # Whatever the session held was the guest's; the shopper's own cart is found anew.
        request.session.pop(CART_KEY, None)
        return
    context = command_context(request, source="ui")
    target = listings.open_cart_for(f"user:{user.pk}")
    try:
        if target is None:
            target = handle(CreateCart(), context).cart
        merged = handle(MergeCarts(source_cart_id=guest_cart.id, target_cart_id=target.id), context)
    except errors.CartError as exc:
        # Logging in must not fail because a cart could not be merged; the guest cart stays
        # where it is and remains listed with the shopper's carts.
        log.warning("guest cart %s not merged at log-in: %s", guest_cart.id, exc)
        request.session.pop(CART_KEY, None)
        return
    request.cart = RequestCart(request)  # type: ignore[attr-defined]
    request.cart.set(merged.cart)  # type: ignore[attr-defined]


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
