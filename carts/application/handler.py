"""The one entry point for cart commands: load the cart once, ask the policy, decide, append.

Every command works on one cart and writes with one atomic append, guarded by the version it
loaded (optimistic concurrency): the reads before it need no transaction of their own, so a
command outside any transaction costs three round trips (catalog, cart, append) and one commit.
On a concurrency conflict it loads the cart again and lets it decide again, up to ``ATTEMPTS``
times. Called inside a caller's transaction (a new cart and its first item) it joins that
transaction; inside carts.application.transactions.atomically (the API's idempotency record)
it decides once, and a lost race runs the whole transaction again (that module says why).

A command whose metadata carries a ``command_id`` (the system's own commands: idle carts, the
two halves of a log-in merge, demo data) runs once: if that id already wrote to the cart, the
earlier result is returned and nothing is written. Retries over HTTP are the API's
Idempotency-Key's business, not this one's.

Errors: carts.domain.errors (the cart's rules, CartNotFound, StaleVersion, ...) pass through
to the interface, which maps them to a message or an HTTP status; access.Refused when the
person may read the cart but not do what they asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model

from carts.application import (
    catalog,
    command_metrics,
    confirmation,
    order_numbers,
    repository,
    transactions,
)
from carts.application.access import (
    Action,
    Person,
    Refused,
    facts_of,
    may_choose_cart_id,
    may_open_cart_for,
    require,
    user_pk,
)
from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    CartCommand,
    ChangeQuantity,
    CheckOut,
    Command,
    CreateCart,
    GiveGoodwill,
    MergeCarts,
    ProvideCheckoutDetails,
    RemoveDiscount,
    RemoveItem,
    UpdateLinePrice,
    numbered_cart_id,
)
from carts.application.expected_versions import require_expected
from carts.domain import errors
from carts.domain.cart import Cart, Discount
from carts.domain.values import CheckoutDetails
from eventstore.errors import ConcurrencyError
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM

# A command without If-Match is decided again on the newer cart when another writer won the
# race, up to ATTEMPTS times (transactions.pause spreads the attempts).
ATTEMPTS = transactions.ATTEMPTS
GOODWILL_CODE = "GOODWILL"


@dataclass(frozen=True)
class Context:
    """Who runs a command (the person the access policy asks about) and the metadata its events
    carry. Built once per request or task, so every event it causes shares a correlation id."""

    person: Person
    metadata: Metadata

    @classmethod
    def system(cls, metadata: Metadata) -> Context:
        """The shop acting on its own (tasks, demo data, tests), recorded with ``metadata``."""
        return cls(person=Person.system(), metadata=metadata)


@dataclass(frozen=True)
class CommandResult:
    """The cart after a command, its version, and the global position of the last event written.

    ``replayed`` is true when the command id had been seen before and nothing new was written;
    ``recorded`` holds the events this command wrote (none when replayed).
    """

    cart: Cart
    version: int
    last_position: int | None
    replayed: bool = False
    recorded: tuple[Any, ...] = ()


def handle(command: Command, context: Context) -> CommandResult:
    """Run one command for ``context.person``, counting its outcome (command_metrics); see the
    module for what it raises."""
    name = _NAMES.get(type(command), type(command).__name__)  # (_decider refuses the latter)
    try:
        result = _handle(command, context)
    except Exception as error:
        command_metrics.count_error(name, error)
        raise
    command_metrics.count_result(name, result)
    return result


def _handle(command: Command, context: Context) -> CommandResult:
    if isinstance(command, CreateCart):
        return _create(command, context)
    if isinstance(command, MergeCarts):
        return _merge(command, context)
    decide = _decider(command)
    action = _ACTIONS.get(type(command), Action.SHOP)
    rehash = isinstance(command, CheckOut)
    result = _run(command, _NAMES[type(command)], action, decide, context, rehash=rehash)
    if isinstance(command, CheckOut):
        # Once committed, the order's confirmation e-mail goes out (whatever interface asked).
        confirmation.after_checkout(command.cart_id, result.recorded)
    return result


# --- what each command asks of the cart ---------------------------------------------------------


def _decider(command: CartCommand) -> Callable[[Cart], Any]:
    """The one aggregate method ``command`` asks for, bound to its arguments.

    Catalog look-ups of the command's SKU happen here, once, before the cart is loaded (and
    not again on a retry); a checkout looks up every SKU of the cart it loaded, in one query.
    """
    match command:
        case AddItem(sku=sku, quantity=quantity):
            offer = catalog.offer(sku)
            return lambda cart: cart.add_item(offer, quantity)
        case ApplyDiscount(code=code):
            discount = catalog.discount(code)
            return lambda cart: cart.apply_discount(discount)
        case GiveGoodwill(kind=kind, value=value, currency=currency):
            goodwill = Discount(code=GOODWILL_CODE, kind=kind, value=value, currency=currency)
            return lambda cart: cart.apply_discount(goodwill)
        case ChangeQuantity(sku=sku, quantity=quantity):
            listed = catalog.offers([sku]).get(sku)
            return lambda cart: cart.change_quantity(sku, quantity, offer=listed)
        case UpdateLinePrice(sku=sku, unit_price=unit_price):
            listed = catalog.offers([sku]).get(sku)
            return lambda cart: cart.reprice_line(sku, unit_price, offer=listed)
        case RemoveItem(sku=sku):
            return lambda cart: cart.remove_item(sku)
        case RemoveDiscount():
            return lambda cart: cart.remove_discount()
        case ProvideCheckoutDetails(details=details):
            return lambda cart: cart.provide_checkout_details(details)
        case CheckOut(details=given):
            return _checkout(command.cart_id, given)
        case Abandon(reason=reason):
            return lambda cart: cart.abandon(reason)
    raise TypeError(f"no cart command {type(command).__name__}")


def _checkout(cart_id: UUID, details: CheckoutDetails | None) -> Callable[[Cart], Any]:
    """Check the cart out under an order number reserved on the first attempt that can succeed
    (a retry after a conflict keeps it; a checkout the cart refuses anyway reserves none)."""
    reserved: list[str] = []

    def decide(cart: Cart) -> None:
        if not reserved and cart.is_open and cart.lines and (details or cart.details):
            reserved.append(order_numbers.reserve(cart_id))
        number = reserved[0] if reserved else ""
        cart.check_out(catalog.offers(cart.lines), order_number=number, details=details)

    return decide


_ACTIONS = {Abandon: Action.ABANDON, GiveGoodwill: Action.GOODWILL}
# Checking out turns the cart's lines into a charge, and a merge carries the source cart's lines
# into another cart: both re-hash the cart's whole stream before deciding (see
# repository.load_for_command), so that an edited price nobody has read yet is never acted on.
# The other commands rely on the tail read's checks, which keeps them one round trip.
# The names events record as their command (kept from the first release, so that an auditor's
# filter finds old and new events alike).
_NAMES = {
    CreateCart: "cart_create",
    AddItem: "cart_add_item",
    ChangeQuantity: "cart_change_quantity",
    UpdateLinePrice: "cart_update_line_price",
    ProvideCheckoutDetails: "cart_provide_checkout_details",
    RemoveItem: "cart_remove_item",
    ApplyDiscount: "cart_apply_discount",
    GiveGoodwill: "cart_apply_goodwill_discount",
    RemoveDiscount: "cart_remove_discount",
    CheckOut: "cart_check_out",
    Abandon: "cart_abandon",
    MergeCarts: "cart_merge",
}


# --- opening and merging ------------------------------------------------------------------------


def _create(command: CreateCart, context: Context) -> CommandResult:
    person = context.person
    owner_id = command.owner_id or person.own_id
    if not may_open_cart_for(person, owner_id):
        raise Refused(Action.OPEN_FOR_OTHERS)
    if command.cart_id is not None and not may_choose_cart_id(person):
        raise Refused(Action.CHOOSE_CART_ID)
    if owner_id != person.own_id and not person.is_system:
        # (The shop's own commands name owners from its own records, not from input.)
        _require_shopper(owner_id)
    metadata = replace(context.metadata, command=_NAMES[CreateCart])
    if metadata.command_id:
        created = repository.created_by_command(metadata.command_id)
        if created is not None:
            return _earlier_result(*created)
    if command.cart_id is not None and repository.removed(command.cart_id):
        # Its events are gone (the seals recorded them): a new CartCreated would write a fresh
        # history over the removed one.
        raise errors.CartIntegrityFailed(
            f"cart {command.cart_id} had events that were removed; it cannot be opened again"
        )
    cart_id = command.cart_id
    if cart_id is None and command.number is not None:
        cart_id = numbered_cart_id(owner_id, command.number)
    # Asked only for a cart opened in a chosen currency: the shop's own carts let the first
    # item decide, and need no catalog read.
    sold = catalog.sold_currencies() if command.currency else frozenset[str]()
    cart = Cart.create(
        cart_id or uuid.uuid4(),
        owner_id=owner_id,
        currency=command.currency,
        sold_currencies=sold,
    )
    try:
        result = repository.save(cart, expected_version=NO_STREAM, metadata=metadata)
    except ConcurrencyError:
        command_metrics.count_conflict(metadata.command, retried=False)
        raise errors.CartAlreadyExists(f"cart {cart.id} already exists") from None
    return CommandResult(cart=cart, version=result.version, last_position=result.last_position)


def _require_shopper(owner_id: str) -> None:
    """A cart opened for someone else belongs to an existing shopper: ``user:<id>``.

    Never to a guest identity (a guest's carts are its session's alone) nor to an owner nobody
    can ever sign in as. Raises UnknownOwner.
    """
    if (
        not (user_id := user_pk(owner_id))
        or not get_user_model().objects.filter(pk=user_id, is_active=True).exists()
    ):
        raise errors.UnknownOwner(
            f"owner_id {owner_id!r} names no shopper; send 'user:<id>' of an existing account"
        )


def _merge(command: MergeCarts, context: Context) -> CommandResult:
    """The guest cart gives what the target can take, then the target takes what it was given.

    The guest cart decides first, against the target as it stands (its CartMergedInto says what
    moved and what stayed, and why), so nothing it gave is also kept; the target then takes it,
    checked again, and its CartMergedFrom says the same. Two carts, so two appends; each half
    runs once by a command id made from the two carts, so repeating a merge that stopped
    halfway completes it without doubling anything.
    """
    source_id, target_id = command.source_cart_id, command.target_cart_id
    target = repository.load(target_id)
    # Asked before the guest cart gives anything away, not only when the target takes it.
    require(context.person, Action.SHOP, facts_of(target))
    base = f"merge:{source_id}:{target_id}"
    gave = _run(
        _plain(source_id),
        _NAMES[MergeCarts],
        Action.SHOP,
        lambda cart: cart.merge_into(target, _offered(cart.discount)),
        replace(context, metadata=replace(context.metadata, command_id=f"{base}:close")),
        rehash=True,
    )
    given = repository.history(source_id)[gave.version - 1].data
    return _run(
        _plain(target_id),
        _NAMES[MergeCarts],
        Action.SHOP,
        lambda cart: cart.merge_from(source_id, given),
        replace(context, metadata=replace(context.metadata, command_id=f"{base}:merge")),
    )


def _plain(cart_id: UUID) -> CartCommand:
    return CartCommand(cart_id=cart_id)


def _offered(discount: Discount | None) -> Discount | None:
    """The catalog's current terms for a cart's discount code; None when no longer offered."""
    if discount is None:
        return None
    try:
        return catalog.discount(discount.code)
    except errors.UnknownDiscountCode:
        return None


# --- the one shape every command on a cart shares -----------------------------------------------


def _run(
    command: CartCommand,
    name: str,
    action: Action,
    decide: Callable[[Cart], Any],
    context: Context,
    *,
    rehash: bool = False,
) -> CommandResult:
    context = replace(context, metadata=replace(context.metadata, command=name))
    attempts = 1 if transactions.decides_once() else ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            return _decide_and_append(command, action, decide, context, rehash)
        except ConcurrencyError:
            # With If-Match the caller chose the version; deciding again on a newer one would
            # act on a cart they never saw. A checkout is the exception: the cart that won may
            # be this very checkout sent twice at once, which the next attempt answers with the
            # order (and anything else with StaleVersion).
            chosen = command.expected_version is not None and not isinstance(command, CheckOut)
            command_metrics.count_conflict(name, retried=not chosen and attempt < ATTEMPTS)
            if chosen:
                raise errors.StaleVersion(
                    f"cart {command.cart_id} changed since the version you decided on; reload it"
                ) from None
            transactions.pause(attempt)
    raise errors.ConcurrentModification(
        f"cart {command.cart_id} kept changing during {ATTEMPTS} attempts; try again"
    )


def _decide_and_append(
    command: CartCommand,
    action: Action,
    decide: Callable[[Cart], Any],
    context: Context,
    rehash: bool,
) -> CommandResult:
    metadata = context.metadata
    loaded = repository.load_for_command(command.cart_id, metadata.command_id)
    cart = loaded.cart
    # The policy asks about the cart just loaded: one read serves the check and the decision.
    # Asked before anything is said of the cart's history, so that a person who may not read
    # the cart gets the answer a missing cart gets.
    require(context.person, action, facts_of(cart))
    loaded.require_intact(rehash=rehash)
    if loaded.earlier is not None:
        return _earlier_result(command.cart_id, *loaded.earlier)
    loaded_version = cart.version
    expected = command.expected_version
    if (
        isinstance(command, CheckOut)
        and isinstance(expected, int)
        and expected != loaded_version
        and cart.is_checkout_of(expected)
    ):
        # The same checkout asked again (a double-submitted form, a retried request): the
        # order stands; answer as the first time did, writing nothing.
        return CommandResult(cart=cart, version=cart.version, last_position=None, replayed=True)
    require_expected(command.cart_id, command.expected_version, loaded_version)
    decide(cart)
    recorded = tuple(cart.pending_events())
    if not recorded:
        return CommandResult(cart=cart, version=cart.version, last_position=None)
    result = repository.save(
        cart, expected_version=loaded_version, metadata=metadata, previous_hash=loaded.head_hash
    )
    return CommandResult(
        cart=cart, version=result.version, last_position=result.last_position, recorded=recorded
    )


def _earlier_result(cart_id: UUID, version: int, position: int) -> CommandResult:
    cart = repository.load(cart_id, to_version=version)
    return CommandResult(cart=cart, version=version, last_position=position, replayed=True)
