"""A cart whose steps lie close together, for time travel at every precision."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from django.utils import timezone

from carts.application.commands import (
    AddItem,
    ChangeQuantity,
    Command,
    CreateCart,
    RemoveItem,
)
from carts.application.handler import Context, handle
from eventstore import clock
from eventstore.metadata import Metadata

# Microseconds after a whole second at which each step is recorded: steps 1 and 2 share a
# millisecond, step 3 is later in the same second, step 4 starts the next second exactly (its
# milliseconds are 000, which HTML's datetime-local drops) and step 5 ends it.
OFFSETS = (100_000, 100_400, 730_000, 1_000_000, 1_999_999)


def record_close_steps(owner_id: str) -> UUID:
    """Five steps of a cart in two seconds of one minute (the catalog fixture's products), about
    an hour ago."""
    cart_id = uuid4()
    # Ten seconds into a minute, so that the two seconds never straddle two minutes (a test
    # asks for the minute of the first step and expects all five).
    second = (timezone.now() - timedelta(hours=1)).replace(second=10, microsecond=0)
    commands: tuple[Command, ...] = (
        CreateCart(owner_id=owner_id, cart_id=cart_id),
        AddItem(cart_id=cart_id, sku="TEA-001", quantity=1),
        AddItem(cart_id=cart_id, sku="MUG-001", quantity=1),
        ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=3),
        RemoveItem(cart_id=cart_id, sku="MUG-001"),
    )
    context = Context.system(Metadata(actor=owner_id, source="ui"))
    for command, after in zip(commands, OFFSETS, strict=True):
        with clock.recording_at(second + timedelta(microseconds=after)):
            handle(command, context)
    return cart_id
