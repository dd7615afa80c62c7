"""The shopper behind a request: which cart they are filling, read once per request.

The current cart's id lives in the session. A guest's carts are owned by the session's guest
identity (see carts.web.request_context), so they are found again from the event log as a
signed-in shopper's are when the session does not name one. ``request.cart`` (set by
:class:`CartMiddleware`, as django-oscar's basket middleware sets ``request.basket``) loads the
open cart on first use and shares it with the views, the catalog's marks and the cart badge. A
new cart is the owner's next numbered shop cart (commands.numbered_cart_id), so racing first adds
open one cart. On log-in, the guest's cart is merged into the shopper's open cart through the
ordinary merge command, so both carts' histories record what moved and what stayed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from carts.application import catalog, repository, selectors
from carts.application.access import GUEST_PREFIX, Refused
from carts.application.commands import AddItem, CreateCart, MergeCarts, numbered_cart_id
from carts.application.handler import CommandResult, Context, handle
from carts.domain import errors
from carts.domain.cart import Cart
from carts.domain.events import CartMergedFrom
from carts.web import listings
from carts.web.request_context import command_context, guest_id_of, person_of
from carts.web.wording import merge_notes

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

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        # Every page of the shop gives a guest its identity, so that racing first clicks from
        # any of them (a double click on "Add to cart", "Place order") share one identity and
        # one cart. Only a client that kept no session cookie at all still races apart.
        if request.method == "GET" and view.__module__.startswith("carts.web."):
            prepare_to_add(request)


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
    handler reads it to decide anyway, and says so (one read per click instead of two).
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
    if cart is None:
        result = _add_to_next_cart(context, sku=sku, quantity=quantity, closed=stored)
    else:
        result = handle(AddItem(cart_id=cart.id, sku=sku, quantity=quantity), context)
    request.cart.set(result.cart)  # type: ignore[attr-defined]
    return result


def add_to_new_cart(
    request: HttpRequest, *, sku: str, quantity: int, number: int | None = None
) -> CommandResult:
    """Open a new cart with this item and make it the shopper's current cart.

    The way out when a product is priced in another currency than the cart being filled: a cart
    holds one currency, so the item starts a cart of its own, and the cart being filled stays
    open under "My carts" (``switch_to`` goes back to it). ``number`` is the shop cart number
    the offer was made for (next_offer_number): copies of one choice (a double click) all name
    it, so the first opens that cart and the others find it opened and add nothing more.
    Raises the cart's rules.
    """
    context = command_context(request, source="ui")
    owner_id = context.person.own_id
    upcoming = selectors.next_cart_number(owner_id)
    if number is not None and number < upcoming:
        chosen = repository.load(numbered_cart_id(owner_id, number))
        if sku in chosen.lines and switch_to(request, chosen):
            return CommandResult(cart=chosen, version=chosen.version, last_position=None)
    add = AddItem(cart_id=numbered_cart_id(owner_id, upcoming), sku=sku, quantity=quantity)
    try:
        with transaction.atomic():
            handle(CreateCart(number=upcoming), context)
            result = handle(add, context)
    except errors.CartAlreadyExists:
        # A copy of this choice that read the same number opened it a moment ago.
        cart = repository.load(add.cart_id)
        result = CommandResult(cart=cart, version=cart.version, last_position=None)
    request.cart.set(result.cart)  # type: ignore[attr-defined]
    return result


def next_offer_number(request: HttpRequest) -> int:
    """The shop cart number a new-cart offer shown now is for (see add_to_new_cart)."""
    return selectors.next_cart_number(person_of(request).own_id)


def switch_to(request: HttpRequest, cart: Cart) -> bool:
    """Make ``cart`` the current cart if it is the shopper's own, open and in a currency the
    shop still sells; False otherwise (staff who may shop in anyone's cart fill only theirs)."""
    if cart.owner_id != person_of(request).own_id or not _fillable(cart):
        return False
    request.cart.set(cart)  # type: ignore[attr-defined]
    return True


def _add_to_next_cart(
    context: Context, *, sku: str, quantity: int, closed: UUID | None
) -> CommandResult:
    """Open the shopper's next shop cart with ``quantity`` of ``sku`` as its first item, or add
    them to it if another request of theirs (a double click) opened it first.

    The next cart's id is derived from the owner and its number (commands.numbered_cart_id), so
    racing requests ask the event store for the same new stream and only one CartCreated is
    stored; the others add to that cart. A new cart and its first item share one transaction,
    so a refused first item leaves no empty cart behind. ``closed`` is a cart known to be closed.
    """
    owner_id = context.person.own_id
    number = selectors.next_cart_number(owner_id)
    previous = numbered_cart_id(owner_id, number - 1) if number else None
    if previous is not None and previous != closed:
        # This request looked for an open cart before another one opened this one.
        try:
            return handle(AddItem(cart_id=previous, sku=sku, quantity=quantity), context)
        except (errors.CartNotOpen, errors.CurrencyMismatch):
            pass  # closed since, or in another currency (a cart the shop offered for it)
    return _open_numbered(context, number, sku, quantity)


def _open_numbered(context: Context, number: int, sku: str, quantity: int) -> CommandResult:
    """Open the shopper's shop cart ``number`` with its first item, or add the item to it when a
    racing request of theirs opened it first (the same id collides on the stream's first
    version). A new cart and its first item share one transaction, so a refused first item
    leaves no empty cart behind."""
    add = AddItem(
        cart_id=numbered_cart_id(context.person.own_id, number), sku=sku, quantity=quantity
    )
    try:
        with transaction.atomic():
            handle(CreateCart(number=number), context)
            return handle(add, context)
    except errors.CartAlreadyExists:
        return handle(add, context)


def open_next_cart(context: Context) -> Cart:
    """The shopper's next shop cart, opened now or by a request of theirs that raced this one."""
    owner_id = context.person.own_id
    number = selectors.next_cart_number(owner_id)
    if number:
        previous = repository.load(numbered_cart_id(owner_id, number - 1))
        if previous.is_open:  # opened since this request looked for an open cart
            return previous
    try:
        return handle(CreateCart(number=number), context).cart
    except errors.CartAlreadyExists:
        return repository.load(numbered_cart_id(owner_id, number))


def prepare_to_add(request: HttpRequest) -> None:
    """Give a guest's session its identity before it shows add-to-cart forms.

    Racing first clicks (a double click) then carry one guest identity, and open one cart
    between them, instead of each making an identity and a cart of its own.
    """
    if not person_of(request).is_authenticated:
        guest_id_of(request, create=True)


def _stored_cart_id(request: HttpRequest) -> UUID | None:
    try:
        return UUID(request.session[CART_KEY])
    except (KeyError, ValueError):
        return None


def _find_current_cart(request: HttpRequest) -> Cart | None:
    person = person_of(request)
    stored = request.session.get(CART_KEY)
    if stored:
        try:
            cart = repository.load(UUID(stored))
        except (errors.CartNotFound, ValueError):
            cart = None
        # The session's own guest cart stays current after log-in while it holds what a merge
        # could not carry (see merge_guest_cart).
        if cart is not None and cart.owner_id in person.owner_ids and _fillable(cart):
            return cart
        del request.session[CART_KEY]
    owner_id = person.own_id
    found = listings.open_cart_for(owner_id) if owner_id else None
    if found is not None:
        request.session[CART_KEY] = str(found.id)
    return found


def _fillable(cart: Cart) -> bool:
    # A cart in a currency the shop does not sell (opened before currencies were checked, or
    # whose products were all retired) would refuse every add: it is never forced on anyone.
    return may_fill(is_open=cart.is_open, currency=cart.currency)


def may_fill(*, is_open: bool, currency: str) -> bool:
    """The shop's rule for a cart it may make the one being filled (or offer to continue): open,
    and in a currency the shop still sells (or none yet)."""
    return is_open and catalog.sells_in(currency)


def stranded_cart(request: HttpRequest) -> Cart | None:
    """The shopper's newest cart when it is open but can no longer be filled (its currency is no
    longer sold), so the cart page can say where it went; None otherwise (one query, one read)."""
    newest = selectors.owned_cart_ids(*sorted(person_of(request).owner_ids))[:1]
    if not newest:
        return None
    cart = repository.load(newest[0])
    return cart if cart.is_open and not _fillable(cart) else None


def merge_guest_cart(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """On log-in, move the session's guest cart into the shopper's open cart (if it has lines).

    The shopper is told what moved and what did not. A guest cart that kept something (another
    currency, a full line) stays open and stays the session's current cart, so it can still be
    bought; otherwise the shopper's cart becomes the current one.
    """
    if request is None or not hasattr(request, "session"):
        return
    guest_cart = _guest_cart(request)
    if guest_cart is None:
        # Whatever the session held was the guest's; the shopper's own cart is found anew.
        request.session.pop(CART_KEY, None)
        return
    context = command_context(request, source="ui")
    try:
        target = listings.open_cart_for(f"user:{user.pk}") or open_next_cart(context)
        merged = handle(MergeCarts(source_cart_id=guest_cart.id, target_cart_id=target.id), context)
    except errors.CartError as exc:
        # Logging in must not fail because a cart could not be merged; the guest cart stays
        # open and current, as it was.
        log.warning("guest cart %s not merged at log-in: %s", guest_cart.id, exc)
        messages.warning(request, MERGE_FAILED, fail_silently=True)
        return
    request.cart = RequestCart(request)  # type: ignore[attr-defined]
    outcome = next((e for e in merged.recorded if isinstance(e, CartMergedFrom)), None)
    if outcome is None:
        return  # merged before (a repeated log-in): the current cart is found as usual
    for note in merge_notes(outcome):
        # Silently skipped for a log-in outside a request's middleware (a test's force_login).
        messages.info(request, note, fail_silently=True)
    if not outcome.left:
        request.cart.set(merged.cart)  # type: ignore[attr-defined]


MERGE_FAILED = (
    "We could not add your guest cart to your account's cart; it stays your current cart."
)


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
