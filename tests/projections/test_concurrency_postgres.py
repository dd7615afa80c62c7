"""Projections under concurrent writers and runners on PostgreSQL, with real processes.

Writers append through the cart commands while several processes catch the projections up at
once (each writer's own on-commit catch-up, running eagerly, plus a dedicated runner). After
that every projection must equal a full rebuild: nothing skipped, nothing applied twice. Then a
reader process queries while every projection is rebuilt and must only ever see the complete
model.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest
from django.db import connections
from django.db.models import Max, Sum

from carts.application.commands import Abandon, AddItem, CheckOut, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.models import Event
from projections import runner
from projections.rebuild import rebuild
from projections.registry import names
from projections.selectors import cart_summaries, product_activity, projection_statuses
from tests.checkout_details import DETAILS

pytestmark = [pytest.mark.postgres]

WRITERS = 3
CARTS_PER_WRITER = 8
DEADLINE = 120


def _shop(writer: int) -> None:
    connections.close_all()
    meta = Metadata(actor=f"user:{writer}", source="system")
    for n in range(CARTS_PER_WRITER):
        cart_id = handle(CreateCart(owner_id=f"user:{writer}"), Context.system(meta)).cart.id
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1 + n % 3), Context.system(meta))
        handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
        if n % 3 == 0:
            handle(CheckOut(details=DETAILS, cart_id=cart_id), Context.system(meta))
        elif n % 3 == 1:
            handle(RemoveItem(cart_id=cart_id, sku="TEA-001"), Context.system(meta))
        else:
            handle(Abandon(cart_id=cart_id, reason="test"), Context.system(meta))
    connections.close_all()


def _run_projections(stop) -> None:
    connections.close_all()
    while not stop.is_set():
        for name in names():
            runner.catch_up(name, batch_size=7)
    connections.close_all()


def _caught_up() -> bool:
    """Catch every shard of every projection up until none has a committed event unread.

    Other databases on the same server may have older transactions open, which hold back what
    read_all may return (see store.read_all); so poll, bounded, until nothing is left.
    """
    deadline = time.monotonic() + DEADLINE
    while True:
        for name in names():
            runner.catch_up(name)
        statuses = projection_statuses()
        assert not any(s.state == "failing" for s in statuses), statuses
        if all(s.lag_events == 0 for s in statuses):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def _watch(stop, seen) -> None:
    connections.close_all()
    observations = []
    while not stop.is_set():
        added = product_activity().aggregate(n=Sum("times_added"))["n"]
        observations.append((cart_summaries().count(), added))
    seen.put(Counter(observations))
    connections.close_all()


@pytest.mark.parametrize("shards", [1, 3])
def test_projections_equal_a_rebuild_after_concurrent_writers_and_runners(
    shelf, read_model, settings, shards
):
    # Set before the processes fork, so the writers' catch-ups and the runner split alike.
    settings.PROJECTIONS_SHARDS = shards
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    connections.close_all()
    projector = context.Process(target=_run_projections, args=(stop,))
    writers = [context.Process(target=_shop, args=(w,)) for w in range(WRITERS)]
    for process in [projector, *writers]:
        process.start()
    for process in writers:
        process.join(timeout=DEADLINE)
        assert process.exitcode == 0
    stop.set()
    projector.join(timeout=DEADLINE)
    assert projector.exitcode == 0

    assert _caught_up()
    head = Event.objects.aggregate(head=Max("position"))["head"]
    assert {(s.shard_count, s.position) for s in projection_statuses()} == {(shards, head)}
    carts = WRITERS * CARTS_PER_WRITER
    assert cart_summaries().count() == carts
    latest = {
        e["stream_id"]: e["version"]
        for e in Event.objects.values("stream_id").annotate(version=Max("version"))
    }
    assert {f"cart-{s.cart_id}": s.version for s in cart_summaries()} == latest
    added = Counter(e.payload["sku"] for e in Event.objects.filter(event_type="cart.ItemAdded"))
    assert dict(product_activity().values_list("sku", "times_added")) == dict(added)
    settings.PROJECTIONS_SHARDS = 1  # the reference: one runner over the whole log
    for name in names():
        incremental = read_model(name)
        rebuild(name, batch_size=10)
        assert read_model(name) == incremental, name


def test_readers_see_only_complete_models_while_every_projection_is_rebuilt(shelf):
    _shop(0)
    assert _caught_up()
    expected = (cart_summaries().count(), product_activity().aggregate(n=Sum("times_added"))["n"])
    context = multiprocessing.get_context("fork")
    stop, seen = context.Event(), context.Queue()
    connections.close_all()
    reader = context.Process(target=_watch, args=(stop, seen))
    reader.start()
    try:
        for name in names():
            rebuild(name, batch_size=3)
    finally:
        stop.set()
    observed = seen.get(timeout=DEADLINE)
    reader.join(timeout=DEADLINE)
    assert set(observed) == {expected}
    assert sum(observed.values()) > 0
