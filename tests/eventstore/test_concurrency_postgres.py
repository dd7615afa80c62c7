"""Concurrent writers on PostgreSQL: the global reader never skips or repeats, versions never gap.

These tests use real processes and committed transactions, so they run on PostgreSQL only
(SQLite serialises writers, which makes both properties trivially true there).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter

import pytest
from django.db import connections, transaction

from eventstore.errors import ConcurrencyError
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import (
    ANY,
    NO_STREAM,
    START,
    RawEvent,
    append,
    checkpoint_covers,
    head_checkpoint,
    read_all,
    read_stream,
)

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


def _open_transaction_in(dbname: str):  # type: ignore[no-untyped-def]
    """A connection to ``dbname`` inside a transaction that holds an id (with a subtransaction)."""
    import psycopg

    settings = connections["default"].settings_dict
    other = psycopg.connect(
        dbname=dbname,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        autocommit=False,
    )
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()")
        cursor.execute("SAVEPOINT inner_work")
        cursor.execute("CREATE TEMP TABLE scratch (n int)")  # the savepoint takes an id too
    return other


def test_an_open_transaction_of_another_database_does_not_hold_the_reader_back(db):
    other = _open_transaction_in("postgres")
    try:
        append(
            "elsewhere-test",
            [RawEvent("test.Written", {})],
            expected_version=NO_STREAM,
            metadata=META,
        )
        # The reader's own, uncommitted event is settled from its point of view once every
        # transaction of this database older than it has finished: the other one does not count.
        assert [e.stream_id for e in read_all().events] == ["elsewhere-test"]
    finally:
        other.rollback()
        other.close()


def test_an_older_open_transaction_of_this_database_holds_the_reader_back(db):
    other = _open_transaction_in(connections["default"].settings_dict["NAME"])
    try:
        append(
            "held-back", [RawEvent("test.Written", {})], expected_version=NO_STREAM, metadata=META
        )
        # The older transaction may still commit events below ours: nothing is handed out yet.
        assert read_all().events == []
    finally:
        other.rollback()
        other.close()
    assert [e.stream_id for e in read_all().events] == ["held-back"]


def _append_and_hold(stream: str, appended: threading.Event, release: threading.Event) -> None:
    """Append one event to ``stream`` in a transaction left open until ``release`` is set."""
    try:
        with transaction.atomic():
            append(
                stream, [RawEvent("test.Written", {})], expected_version=NO_STREAM, metadata=META
            )
            appended.set()
            release.wait(timeout=60)
    finally:
        connections.close_all()


def test_the_head_stops_below_a_transaction_still_writing_so_a_reader_from_it_misses_nothing(
    committed_db,
):
    appended, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_append_and_hold, args=("held", appended, release))
    holder.start()
    try:
        assert appended.wait(timeout=30), "the holding transaction did not append"
        # Committed after the held transaction began, so its transaction id is the greater:
        # the newest committed event, yet read_all may not hand it out while "held" is open.
        later = append(
            "later", [RawEvent("test.Written", {})], expected_version=NO_STREAM, metadata=META
        )
        head = head_checkpoint()
        assert head != later.events[-1].checkpoint
        assert not checkpoint_covers(head, later.last_position)
    finally:
        release.set()
        holder.join(timeout=60)
    # A reader starting at that head (a new webhook subscription) gets the held event too.
    assert [e.stream_id for e in read_all(head).events] == ["held", "later"]
