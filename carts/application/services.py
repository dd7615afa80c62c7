"""Cart commands: one function per command. Load the cart, let it decide, append, done.

Every service works on one cart and writes with one atomic append, guarded by the version it
loaded (optimistic concurrency): the reads before it need no transaction of their own, so a
command outside any transaction costs three round trips (product, cart, append) and one commit.
Called inside a caller's transaction (the API's idempotency record, a new cart and its first
item) it joins that transaction. On a concurrency conflict it loads the cart again and lets it
decide again, up to ``ATTEMPTS`` times; a refused append writes nothing and leaves the caller's
transaction usable, so no savepoint is needed for the retry. A command id that already wrote events
returns the earlier result and writes nothing. Domain errors (carts.domain.errors) pass through
to the caller, which maps them to a message or an HTTP status.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection

from carts.application import repository
from carts.domain import errors
from carts.domain.cart import Cart, Discount, Line, ProductOffer
from carts.domain.events import MergedLine
from carts.models import DiscountCode, Product
from eventstore.errors import ConcurrencyError
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM

ATTEMPTS = 3
GOODWILL_CODE = "GOODWILL"


@dataclass(frozen=True)
class CommandResult:
    """The cart after a command, its version, and the global position of the last event written.

    ``replayed`` is true when the command id had been seen before and nothing new was written.
    """

    cart: Cart
    version: int
    last_position: int | None
    replayed: bool = False


def cart_create(
    *, context: Metadata, owner_id: str = "", currency: str = "", cart_id: UUID | None = None
) -> CommandResult:
    """Open a new cart. Raises CartAlreadyExists when ``cart_id`` is taken."""
    context = replace(context, command="cart_create")
    if context.command_id:
        created = repository.cart_created_by_command(context.command_id)
        if created is not None:
            earlier = repository.version_of_command(created, context.command_id)
            assert earlier is not None  # the CartCreated event that found the cart
            return _earlier_result(created, *earlier)
    cart = Cart.create(cart_id or uuid.uuid4(), owner_id=owner_id, currency=currency)
    try:
        result = repository.save(cart, expected_version=NO_STREAM, metadata=context)
    except ConcurrencyError:
        raise errors.CartAlreadyExists(f"cart {cart.id} already exists") from None
    return CommandResult(cart=cart, version=result.version, last_position=result.last_position)


def cart_add_item(
    *,
    cart_id: UUID,
    sku: str,
    quantity: int,
    context: Metadata,
    expected_version: int | None = None,
) -> CommandResult:
    """Add units of a product at its current price. Raises UnknownProduct and the cart's rules."""
    offer = _offer(sku)
    return _run(
        "cart_add_item",
        cart_id,
        context,
        expected_version,
        lambda cart: cart.add_item(offer, quantity),
    )


def cart_change_quantity(
    *,
    cart_id: UUID,
    sku: str,
    quantity: int,
    context: Metadata,
    expected_version: int | None = None,
) -> CommandResult:
    """Set the quantity of a line."""
    return _run(
        "cart_change_quantity",
        cart_id,
        context,
        expected_version,
        lambda cart: cart.change_quantity(sku, quantity),
    )


def cart_remove_item(
    *, cart_id: UUID, sku: str, context: Metadata, expected_version: int | None = None
) -> CommandResult:
    """Take a line out of the cart."""
    return _run(
        "cart_remove_item", cart_id, context, expected_version, lambda cart: cart.remove_item(sku)
    )


def cart_apply_discount(
    *, cart_id: UUID, code: str, context: Metadata, expected_version: int | None = None
) -> CommandResult:
    """Apply a discount code. Raises UnknownDiscountCode for a code that is unknown or retired."""
    discount = _discount(code)
    return _run(
        "cart_apply_discount",
        cart_id,
        context,
        expected_version,
        lambda cart: cart.apply_discount(discount),
    )


def cart_apply_goodwill_discount(
    *, cart_id: UUID, kind: str, value: Decimal, context: Metadata, currency: str = ""
) -> CommandResult:
    """A staff member's discount, not tied to a code (recorded as code GOODWILL)."""
    discount = Discount(code=GOODWILL_CODE, kind=kind, value=value, currency=currency)
    return _run(
        "cart_apply_goodwill_discount",
        cart_id,
        context,
        None,
        lambda cart: cart.apply_discount(discount),
    )


def cart_remove_discount(
    *, cart_id: UUID, context: Metadata, expected_version: int | None = None
) -> CommandResult:
    """Take the discount off."""
    return _run(
        "cart_remove_discount",
        cart_id,
        context,
        expected_version,
        lambda cart: cart.remove_discount(),
    )


def cart_check_out(
    *, cart_id: UUID, context: Metadata, expected_version: int | None = None
) -> CommandResult:
    """Buy the cart as it stands."""
    return _run("cart_check_out", cart_id, context, expected_version, lambda cart: cart.check_out())


def cart_abandon(
    *, cart_id: UUID, reason: str, context: Metadata, expected_version: int | None = None
) -> CommandResult:
    """Close an open cart nobody will check out (idle carts, or staff decision)."""
    return _run(
        "cart_abandon", cart_id, context, expected_version, lambda cart: cart.abandon(reason)
    )


def cart_merge(*, source_cart_id: UUID, target_cart_id: UUID, context: Metadata) -> CommandResult:
    """Move a guest cart's lines into the shopper's cart at log-in; returns the target's result.

    Two carts, so two transactions: the guest cart is closed first, then its lines (as they were
    just before closing) are merged into the target. Each step is idempotent by its own command
    id, so repeating a merge that stopped halfway completes it without doubling anything.
    """
    base = context.command_id or str(uuid.uuid4())
    closed = _run(
        "cart_merge",
        source_cart_id,
        replace(context, command_id=f"{base}:close"),
        None,
        lambda cart: cart.merge_into(target_cart_id),
    )
    source = repository.load(source_cart_id, to_version=closed.version - 1)
    lines = [_merged_line(line, source.currency) for line in source.lines.values()]
    return _run(
        "cart_merge",
        target_cart_id,
        replace(context, command_id=f"{base}:merge"),
        None,
        lambda cart: cart.merge_from(source_cart_id, lines),
    )


# --- the one shape every command shares ------------------------------------------------------


def _run(
    command: str,
    cart_id: UUID,
    context: Metadata,
    expected_version: int | None,
    decide: Callable[[Cart], Any],
) -> CommandResult:
    context = replace(context, command=command)
    for _ in range(ATTEMPTS):
        try:
            return _decide_and_append(cart_id, context, expected_version, decide)
        except ConcurrencyError:
            # With If-Match the caller chose the version; deciding again on a newer one would
            # act on a cart they never saw.
            if expected_version is not None:
                raise errors.StaleVersion(
                    f"cart {cart_id} changed since version {expected_version}; reload it"
                ) from None
    raise errors.ConcurrentModification(
        f"cart {cart_id} kept changing during {ATTEMPTS} attempts; try again"
    )


def _decide_and_append(
    cart_id: UUID, context: Metadata, expected_version: int | None, decide: Callable[[Cart], Any]
) -> CommandResult:
    loaded = repository.load_for_command(cart_id, context.command_id)
    if loaded.earlier is not None:
        return _earlier_result(cart_id, *loaded.earlier)
    cart = loaded.cart
    loaded_version = cart.version
    if expected_version is not None and expected_version != loaded_version:
        raise errors.StaleVersion(
            f"cart {cart_id} is at version {loaded_version}, not {expected_version}; reload it"
        )
    decide(cart)
    if not cart.pending_events():
        return CommandResult(cart=cart, version=cart.version, last_position=None)
    result = repository.save(
        cart, expected_version=loaded_version, metadata=context, previous_hash=loaded.head_hash
    )
    return CommandResult(cart=cart, version=result.version, last_position=result.last_position)


def _earlier_result(cart_id: UUID, version: int, position: int) -> CommandResult:
    cart = repository.load(cart_id, to_version=version)
    return CommandResult(cart=cart, version=version, last_position=position, replayed=True)


def _offer(sku: str) -> ProductOffer:
    # A plain indexed query: adding items is the commonest command, and the ORM's compilation
    # of this look-up cost several times what the database took to answer it.
    with connection.cursor() as cursor:
        cursor.execute(_OFFER_SQL, [sku])
        row = cursor.fetchone()
    if row is None:
        raise errors.UnknownProduct(f"there is no product with SKU {sku!r}")
    name, price, currency, active = row
    # SQLite hands decimals back as floats; exact for prices of 10 digits, once quantised.
    if not isinstance(price, Decimal):
        price = Decimal(str(price))
    return ProductOffer(
        sku=sku,
        name=name,
        unit_price=price.quantize(_CENT),
        currency=currency,
        active=bool(active),
    )


_OFFER_SQL = f"SELECT name, price, currency, active FROM {Product._meta.db_table} WHERE sku = %s"
_CENT = Decimal(1).scaleb(-Product._meta.get_field("price").decimal_places)  # type: ignore[union-attr]


def _discount(code: str) -> Discount:
    found = DiscountCode.objects.filter(code__iexact=code.strip(), active=True).first()
    if found is None:
        raise errors.UnknownDiscountCode(f"discount code {code!r} is not valid")
    return Discount(code=found.code, kind=found.kind, value=found.value, currency=found.currency)


def _merged_line(line: Line, currency: str) -> MergedLine:
    return MergedLine(
        sku=line.sku,
        name=line.name,
        unit_price=line.unit_price,
        currency=currency,
        quantity=line.quantity,
    )
