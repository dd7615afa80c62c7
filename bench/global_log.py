"""B4: reading the whole global log through ``read_all``, decoded to event objects.

Baseline: a raw server-side cursor scan of the same rows in the same order, with psycopg
decoding the JSON columns and nothing else. The log is loaded once with COPY (see dataset).
"""

from __future__ import annotations

import time

import psycopg

from bench.database import raw_conninfo
from bench.harness import Figure, Sizes, log, median
from eventstore.rows import SELECT_EVENTS
from eventstore.store import START, read_all

PAGE = 1_000


def product_scan() -> int:
    """Events read by paging read_all from the start to the head."""
    checkpoint, count = START, 0
    while True:
        page = read_all(checkpoint, limit=PAGE)
        if not page.events:
            return count
        count += len(page.events)
        checkpoint = page.checkpoint


def raw_scan() -> int:
    """Events read by one named (server-side) cursor over the same rows, JSON decoded."""
    count = 0
    with (
        psycopg.connect(raw_conninfo()) as connection,
        connection.cursor(name="bench_scan") as cursor,
    ):
        cursor.itersize = PAGE
        cursor.execute(f"{SELECT_EVENTS} ORDER BY tx_id, position")
        for _ in cursor:
            count += 1
    return count


def rate(scan: object) -> float:
    """Events per second of one full scan."""
    started = time.perf_counter()
    count = scan()  # type: ignore[operator]
    return float(count) / (time.perf_counter() - started)


def run(sizes: Sizes) -> list[Figure]:
    """Median events/s of read_all and of the raw scan of the same log."""
    from bench.database import event_count, wait_until_settled

    settled = wait_until_settled()
    total = event_count()
    product, raw, counts = [], [], []
    for attempt in range(sizes.runs):
        raw.append(rate(raw_scan))
        started = time.perf_counter()
        counts.append(product_scan())
        product.append(counts[-1] / (time.perf_counter() - started))
        log(f"B4 run {attempt + 1}: read_all {product[-1]:,.0f}/s, raw {raw[-1]:,.0f}/s")
    value, base = median(product), median(raw)
    # read_all stops at the oldest transaction still running anywhere in the cluster.
    note = "" if settled and min(counts) == total else f"read_all saw {min(counts):,} of {total:,}"
    figure = Figure(
        "B4",
        f"read_all {sizes.log_events:,} events",
        value,
        "events/s",
        ">= 100% of raw scan",
        value >= base,
        base,
        "raw cursor scan",
        product,
        note,
    )
    return [figure]
