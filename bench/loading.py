"""B3: loading one cart of 10, 100, 1,000 and 10,000 events, with and without snapshots.

Carts are written through the repository, so snapshots land exactly where the product takes
them (every EVENTSTORE_SNAPSHOT_EVERY events); the carts without snapshots are written with the
setting at 0 and so have none. Each load is ``carts.application.repository.load``: snapshot,
newer events, replay through the aggregate.
"""

from __future__ import annotations

import time
import uuid

from django.test import override_settings

from bench import database, dataset
from bench.harness import Figure, Sizes, log, median
from carts.application import repository
from carts.domain.cart import Cart
from eventstore import snapshots
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM, ExpectedVersion

SNAPSHOT_EVERY = 50
META = Metadata(actor="user:bench", source="system", command="bench_build")


def build_cart(events: int, *, snapshot_every: int) -> uuid.UUID:
    """A cart of exactly ``events`` events (created, one item, then quantity changes)."""
    cart_id = uuid.uuid4()
    with override_settings(EVENTSTORE_SNAPSHOT_EVERY=snapshot_every):
        cart = Cart.create(cart_id, owner_id="user:bench")
        cart.add_item(dataset.OFFERS[0], 1)
        stored = 0
        expected: ExpectedVersion = NO_STREAM
        for version in range(3, events + 1):
            cart.change_quantity(dataset.OFFERS[0].sku, 1 + version % 2, offer=dataset.OFFERS[0])
            if version % SNAPSHOT_EVERY == 0 or version == events:
                repository.save(cart, expected_version=expected, metadata=META)
                stored = expected = version
        if stored != events:
            repository.save(cart, expected_version=expected, metadata=META)
    return cart_id


def load_seconds(cart_id: uuid.UUID, repeat: int) -> float:
    """Seconds per ``repository.load`` of the cart, averaged over ``repeat`` loads."""
    started = time.perf_counter()
    for _ in range(repeat):
        repository.load(cart_id)
    return (time.perf_counter() - started) / repeat


def run(sizes: Sizes) -> list[Figure]:
    """Load time per cart size with and without snapshots; ratios and per-event replay cost."""
    carts = {
        (n, every): build_cart(n, snapshot_every=every)
        for n in sizes.b3_sizes
        for every in (SNAPSHOT_EVERY, 0)
    }
    database.analyze()  # what autovacuum would have done for a table this size
    assert (
        snapshots.load_snapshot(
            repository.stream_id(carts[(sizes.b3_sizes[-1], 0)]), schema_version=1
        )
        is None
    )
    samples: dict[tuple[int, int], list[float]] = {key: [] for key in carts}
    for attempt in range(sizes.runs):
        for key, cart_id in carts.items():
            samples[key].append(load_seconds(cart_id, repeat=max(5, 2_000 // key[0])))
        log(f"B3 run {attempt + 1} done")
    ms = {key: median(values) * 1000 for key, values in samples.items()}
    small, big = sizes.b3_sizes[0], sizes.b3_sizes[-1]
    figures = []
    for n in sizes.b3_sizes:
        figures.append(
            Figure(
                "B3",
                f"load {n:,}-event cart, snapshots",
                ms[(n, 50)],
                "ms",
                "",
                None,
                samples=samples[(n, 50)],
            )
        )
        figures.append(
            Figure(
                "B3",
                f"load {n:,}-event cart, no snapshots",
                ms[(n, 0)],
                "ms",
                "",
                None,
                samples=samples[(n, 0)],
            )
        )
    with_snap = ms[(big, 50)]
    figures.append(
        Figure(
            "B3",
            f"{big:,} vs {small}-event cart, snapshots",
            with_snap,
            "ms",
            "within 2x",
            with_snap <= 2 * ms[(small, 50)],
            ms[(small, 50)],
            f"{small}-event cart",
        )
    )
    per_event = ms[(big, 0)] * 1000 / big
    figures.append(
        Figure(
            "B3",
            f"replay cost per event ({big:,}-event cart, no snapshot)",
            per_event,
            "us/event",
            "<= 30 us/event",
            per_event <= 30,
            samples=[s * 1e6 / big for s in samples[(big, 0)]],
        )
    )
    return figures
