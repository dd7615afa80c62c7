"""Splitting the global log between readers: every event read once, each stream by one reader."""

from __future__ import annotations

import pytest
from django.db import connection

from eventstore.backends import backend_for
from eventstore.partitions import MAX_SIZE, Partition, stream_hash
from eventstore.store import NO_STREAM, START, ExpectedVersion, RawEvent, append, read_all

pytestmark = pytest.mark.django_db

STREAMS = [f"cart-{n:04d}" for n in range(40)]


def _write(meta) -> None:
    for round_ in range(3):
        for stream_id in STREAMS:
            expected: ExpectedVersion = NO_STREAM if round_ == 0 else round_
            append(
                stream_id,
                [RawEvent("test.Thing", {"n": round_})],
                expected_version=expected,
                metadata=meta,
            )


def _read(partition: Partition, limit: int = 7) -> list:
    events, checkpoint = [], START
    while page := read_all(checkpoint, limit=limit, partition=partition).events:
        events += page
        checkpoint = page[-1].checkpoint
    return events


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_the_parts_of_the_log_together_hold_every_event_once_in_order(meta, size):
    _write(meta)
    whole = _read(Partition(0, 1))

    parts = [_read(Partition(member, size)) for member in range(size)]

    assert sorted(e.position for part in parts for e in part) == sorted(e.position for e in whole)
    for member, part in enumerate(parts):
        assert {stream_hash(e.stream_id) % size for e in part} <= {member}
        order = [e.position for e in whole if Partition(member, size).holds(e.stream_id)]
        assert [e.position for e in part] == order


def test_the_database_computes_the_same_stream_hash_as_python(db):
    ids = ["cart-a", "s1", "customer-42", "é-ünïcode-流", ""]
    column = backend_for(connection).STREAM_HASH.format(column="%s")
    with connection.cursor() as cursor:
        found = []
        for stream_id in ids:
            cursor.execute(f"SELECT {column}", [stream_id])
            found.append(cursor.fetchone()[0])
    assert found == [stream_hash(s) for s in ids]
    assert any(h >= 2**31 for h in found)  # "s1": the top bit is read unsigned


@pytest.mark.parametrize(("member", "size"), [(0, 0), (2, 2), (-1, 3), (0, MAX_SIZE + 1)])
def test_parts_that_do_not_exist_are_refused(member, size):
    with pytest.raises(ValueError, match="part"):
        Partition(member, size)
