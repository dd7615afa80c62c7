"""Webhooks on PostgreSQL while carts are written and several runners deliver at once: every
event reaches the receiver exactly once (no failures, so no retries), in log order."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

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
