"""B7: append latency and cart load time with a small table and with a big one.

The small table holds the cart streams COPY'd in; the big one adds filler rows in bulk (see
dataset) until it holds ``b7_big`` events. Both phases time the same operations on the same
carts: appending one event to a stream (``eventstore.store.append``) and loading a cart
(``carts.repository.load``). Indexes keep both independent of the table's size.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid

from bench import database, dataset
from bench.harness import Figure, Sizes, log, median
from carts import repository
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


def measure(sizes: Sizes, carts: int) -> tuple[list[float], list[float]]:
    """Per run, the median append and load latencies in milliseconds."""
    appends, loads = [], []
    for _ in range(sizes.runs):
        appends.append(append_latency(SAMPLES) * 1000)
        loads.append(load_latency(carts, SAMPLES) * 1000)
    return appends, loads


def run(sizes: Sizes) -> list[Figure]:
    """Both latencies at the small size, then after growing the table to the big size."""
    database.empty_event_store()
    carts = dataset.copy_carts(sizes.b7_small)
    database.analyze()
    small = measure(sizes, carts)
    log(f"B7 at {database.event_count():,} events: append {small[0]}, load {small[1]} ms")
    started = time.perf_counter()
    with dataset.secondary_indexes_deferred():
        dataset.fill(sizes.b7_big - database.event_count())
    database.analyze()
    total = database.event_count()
    log(f"B7 filled to {total:,} events in {time.perf_counter() - started:.0f} s")
    big = measure(sizes, carts)
    log(f"B7 at {total:,} events: append {big[0]}, load {big[1]} ms")
    figures = []
    for index, what in enumerate(("append one event", "load a 7-event cart")):
        value, base = median(big[index]), median(small[index])
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
                big[index],
            )
        )
    return figures
