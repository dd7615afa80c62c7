"""Webhooks on PostgreSQL while carts are written and several runners deliver at once: every
event reaches the receiver exactly once (no failures, so no retries), in log order; and a
subscription made while a cart is being written gets that cart's events."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.store import read_all
from projections.webhooks import delivery, subscriptions
from projections.webhooks.subscriptions import Changes

pytestmark = [pytest.mark.postgres]

WRITERS = 3
CARTS_PER_WRITER = 5
RUNNERS = 3


def _shop(writer: int) -> None:
    try:
        context = Context.system(Metadata(actor=f"user:{writer}", source="system"))
        for _ in range(CARTS_PER_WRITER):
            cart_id = handle(CreateCart(owner_id=f"user:{writer}"), context).cart.id
            handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), context)
            handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=2), context)
    finally:
        connection.close()


def _deliver(subscription_id, stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            delivery.deliver(subscription_id)
    finally:
        connection.close()


def test_runners_racing_each_other_and_the_writers_deliver_every_event_once_in_order(
    shelf, receiver
):
    sub = subscriptions.create(Changes(target_url=receiver.url), created_by="user:1")
    stop = threading.Event()
    runners = [threading.Thread(target=_deliver, args=(sub.pk, stop)) for _ in range(RUNNERS)]
    writers = [threading.Thread(target=_shop, args=(n,)) for n in range(WRITERS)]
    for thread in [*runners, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in runners:
        thread.join()
    delivery.deliver(sub.pk)  # whatever the last round of the runners had not yet read
    logged = [str(event.event_id) for event in read_all("", limit=1000).events]
    assert len(logged) == WRITERS * CARTS_PER_WRITER * 3
    assert receiver.delivered_ids() == logged
    assert len(receiver.received) == len(logged)


def _create_cart_and_hold(appended: threading.Event, release: threading.Event) -> None:
    """Create a cart in a transaction left open until ``release`` is set."""
    try:
        with transaction.atomic():
            context = Context.system(Metadata(actor="user:held", source="system"))
            handle(CreateCart(owner_id="user:held"), context)
            appended.set()
            release.wait(timeout=60)
    finally:
        connection.close()


def test_a_subscription_made_while_a_cart_is_being_written_delivers_its_events(shelf, receiver):
    appended, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_create_cart_and_hold, args=(appended, release))
    holder.start()
    try:
        assert appended.wait(timeout=30), "the holding transaction did not write"
        # A cart committed meanwhile is the newest committed event, but the held one (an older
        # transaction) will sort before it once committed.
        context = Context.system(Metadata(actor="user:later", source="system"))
        handle(CreateCart(owner_id="user:later"), context)
        sub = subscriptions.create(Changes(target_url=receiver.url), created_by="user:1")
    finally:
        release.set()
        holder.join(timeout=60)
    delivery.deliver(sub.pk)
    held = [e for e in read_all("").events if e.metadata["actor"] == "user:held"]
    assert held, "the held cart was not committed"
    delivered = receiver.delivered_ids()
    assert all(str(event.event_id) in delivered for event in held)
