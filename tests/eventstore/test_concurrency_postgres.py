"""Concurrent writers on PostgreSQL: the global reader never skips or repeats, versions never gap.

These tests use real processes and committed transactions, so they run on PostgreSQL only
(SQLite serialises writers, which makes both properties trivially true there).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest
from django.db import connections

from eventstore.errors import ConcurrencyError
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import ANY, NO_STREAM, START, RawEvent, append, read_all, read_stream

pytestmark = [pytest.mark.postgres]

WRITERS = 4
BATCHES_PER_WRITER = 60
META = Metadata(actor="system:test", source="system")


def _write_batches(writer: int, batches: int) -> None:
    connections.close_all()
    stream = f"writer-{writer}"
    for batch in range(batches):
        # Batches of varying size make transactions of different lengths interleave, so
        # positions are often committed out of order.
        size = 1 + (batch + writer) % 3
        events = [
            RawEvent("test.Written", {"writer": writer, "batch": batch, "i": i})
            for i in range(size)
        ]
        append(stream, events, expected_version=ANY, metadata=META)
    connections.close_all()


def _race_on_one_stream(writer: int, attempts: int, results) -> None:
    connections.close_all()
    accepted = 0
    for attempt in range(attempts):
        version = Event.objects.filter(stream_id="contested").count()
        try:
            append(
                "contested",
                [RawEvent("test.Claimed", {"writer": writer, "attempt": attempt})],
                expected_version=version or NO_STREAM,
                metadata=META,
            )
            accepted += 1
        except ConcurrencyError:
            pass
    results.put((writer, accepted))
    connections.close_all()


def test_reader_sees_every_committed_event_exactly_once_while_writers_append(committed_db):
    context = multiprocessing.get_context("fork")
    connections.close_all()
    writers = [
        context.Process(target=_write_batches, args=(w, BATCHES_PER_WRITER)) for w in range(WRITERS)
    ]
    for process in writers:
        process.start()

    seen: list[int] = []
    checkpoint = START
    deadline = time.monotonic() + 120
    while any(p.is_alive() for p in writers) and time.monotonic() < deadline:
        page = read_all(checkpoint, limit=50)
        seen.extend(e.position for e in page.events)
        checkpoint = page.checkpoint
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    while rest := read_all(checkpoint, limit=500).events:
        seen.extend(e.position for e in rest)
        checkpoint = rest[-1].checkpoint

    committed = set(
        Event.objects.filter(stream_id__startswith="writer-").values_list("position", flat=True)
    )
    duplicates = [p for p, n in Counter(seen).items() if n > 1]
    assert duplicates == []
    assert set(seen) == committed
    assert len(committed) == sum(
        1 + (b + w) % 3 for w in range(WRITERS) for b in range(BATCHES_PER_WRITER)
    )


def test_racing_writers_on_one_stream_keep_versions_contiguous(committed_db):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    connections.close_all()
    writers = [context.Process(target=_race_on_one_stream, args=(w, 25, results)) for w in range(8)]
    for process in writers:
        process.start()
    accepted = dict(results.get(timeout=120) for _ in writers)
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0

    events = read_stream("contested")
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    assert len(events) == sum(accepted.values())
    per_writer = Counter(e.payload["writer"] for e in events)
    assert dict(per_writer) == {w: n for w, n in accepted.items() if n}
