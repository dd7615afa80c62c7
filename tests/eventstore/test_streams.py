"""One stream read now, at a version, at a moment and from its first event (eventstore.streams).

Part of the contract suite: it runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from eventstore import clock
from eventstore.snapshots import save_snapshot
from eventstore.store import NO_STREAM, RawEvent, append, read_stream
from eventstore.streams import read_at_moment, read_at_version, read_first, read_now
from eventstore.tail import read_tail

pytestmark = pytest.mark.django_db

SCHEMA = 3


@pytest.fixture
def five(meta) -> str:
    """A stream of five events, n = 1 to 5."""
    append(
        "s-1",
        [RawEvent("test.Thing", {"n": n}) for n in range(1, 6)],
        expected_version=NO_STREAM,
        metadata=meta,
    )
    return "s-1"


def test_the_first_event_is_the_one_that_created_the_stream(five):
    first = read_first(five)

    assert first is not None
    assert (first.version, first.data) == (1, {"n": 1})
    assert first == read_stream(five)[0]


def test_an_unknown_stream_has_no_first_event_and_reads_empty_at_any_point():
    assert read_first("nobody") is None
    assert read_at_version("nobody", 3, snapshot_schema=SCHEMA).events == []
    assert read_at_moment("nobody", timezone.now()).events == []


def test_at_a_version_a_snapshot_not_past_it_leaves_only_the_events_up_to_it(five):
    save_snapshot(five, version=2, state={"upto": 2}, schema_version=SCHEMA)

    state = read_at_version(five, 4, snapshot_schema=SCHEMA)

    assert state.snapshot is not None and state.snapshot.state == {"upto": 2}
    assert [event["n"] for event in state.events] == [3, 4]


def test_at_a_version_before_the_snapshot_the_stream_is_replayed_from_the_start(five):
    save_snapshot(five, version=4, state={"upto": 4}, schema_version=SCHEMA)

    state = read_at_version(five, 3, snapshot_schema=SCHEMA)

    assert state.snapshot is None
    assert [event["n"] for event in state.events] == [1, 2, 3]


def test_at_a_moment_only_the_events_recorded_by_then_are_read(five, meta):
    moment = timezone.now()
    later = moment + timedelta(seconds=1)
    with clock.recording_at(later):
        append("s-1", [RawEvent("test.Thing", {"n": 6})], expected_version=5, metadata=meta)

    assert [event["n"] for event in read_at_moment(five, moment).events] == [1, 2, 3, 4, 5]
    assert len(read_at_moment(five, later).events) == 6


def test_now_is_the_tail_a_command_reads(five):
    save_snapshot(five, version=3, state={"upto": 3}, schema_version=SCHEMA)

    now = read_now(five, snapshot_schema=SCHEMA)

    assert now == read_tail(five, snapshot_schema=SCHEMA)
    assert [event["n"] for event in now.events] == [4, 5]
