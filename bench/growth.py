"""B7: append latency and cart load time with a small table and with a big one.

Two sibling databases (``<bench db>_small`` and ``<bench db>_big``) hold the same cart streams,
COPY'd in; the big one also gets filler rows in bulk (see dataset) until it holds ``b7_big``
events. Runs alternate between the two, so both sides of every ratio are measured under the
same load of a shared machine. Each run times the same operations on the same carts: appending
one event to a stream (``eventstore.store.append``) and loading a cart
(``carts.application.repository.load``). Indexes should keep both independent of the table's size.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid

from bench import database, dataset
from bench.harness import Figure, Sizes, log, median
from carts.application import repository
from carts.domain.events import ItemAdded
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM, append

SAMPLES = 200
META = Metadata(actor="user:bench", source="system", command="bench_growth")


def append_latency(samples: int) -> float:
    """Median seconds to append one event to an existing stream, each in its own transaction."""
    item = ItemAdded(
        sku="BENCH-1",
        name="Bench tea 1",
        unit_price=dataset.OFFERS[0].unit_price,
        currency="EUR",
        quantity=1,
    )
    stream = f"growth-{uuid.uuid4()}"
    append(stream, [item], expected_version=NO_STREAM, metadata=META, stream_type="cart")
    timings = []
    for version in range(1, samples + 1):
        started = time.perf_counter()
        append(stream, [item], expected_version=version, metadata=META, stream_type="cart")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def load_latency(carts: int, samples: int) -> float:
    """Median seconds to load a random one of the bulk-loaded seven-event carts."""
    chooser = random.Random(7)
    timings = []
    for _ in range(samples):
        cart_id = uuid.UUID(int=chooser.randrange(carts) + 1)
        started = time.perf_counter()
        repository.load(cart_id)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run(sizes: Sizes) -> list[Figure]:
    """Both latencies on the small and the big table, runs alternating between them."""
    home = database.current_url()
    small, big = database.sibling_url("small"), database.sibling_url("big")
    try:
        database.prepare_sibling(small)
        carts = dataset.copy_carts(sizes.b7_small)
        database.analyze()
        database.prepare_sibling(big)
        dataset.copy_carts(sizes.b7_small)
        started = time.perf_counter()
        with dataset.secondary_indexes_deferred():
            dataset.fill(sizes.b7_big - database.event_count())
        database.analyze()
        total = database.event_count()
        log(f"B7 filled to {total:,} events in {time.perf_counter() - started:.0f} s")
        samples: dict[str, tuple[list[float], list[float]]] = {small: ([], []), big: ([], [])}
        for attempt in range(sizes.runs):
            for url in (small, big):
                database.switch_to(url)
                samples[url][0].append(append_latency(SAMPLES) * 1000)
                samples[url][1].append(load_latency(carts, SAMPLES) * 1000)
            log(
                f"B7 run {attempt + 1}: "
                + ", ".join(
                    f"{name} append {samples[url][0][-1]:.2f} ms, load {samples[url][1][-1]:.2f} ms"
                    for name, url in (("small", small), ("big", big))
                )
            )
    finally:
        database.switch_to(home)
        for url in (small, big):  # the big one holds gigabytes
            database.recreate(url, drop_only=True)
    figures = []
    for index, what in enumerate(("append one event", "load a 7-event cart")):
        value, base = median(samples[big][index]), median(samples[small][index])
        figures.append(
            Figure(
                "B7",
                f"{what} at {total:,} events",
                value,
                "ms",
                "within 1.5x",
                value <= 1.5 * base,
                base,
                f"at {sizes.b7_small:,} events",
                samples[big][index],
            )
        )
    return figures
