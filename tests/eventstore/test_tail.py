"""What a command reads in one round trip (read_tail) and the append that trusts its head."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventstore.errors import ConcurrencyError
from eventstore.hashing import GENESIS
from eventstore.snapshots import save_snapshot
from eventstore.store import NO_STREAM, RawEvent, append, read_stream
from eventstore.tail import read_tail
from eventstore.verify import verify_stream

pytestmark = pytest.mark.django_db

SCHEMA = 3


def thing(n: int) -> RawEvent:
    return RawEvent("test.Thing", {"n": n})


@pytest.fixture
def five(meta) -> str:
    """A stream of five events, the third written by command "cmd-3"."""
    for n in range(1, 6):
        command = replace(meta, command_id=f"cmd-{n}")
        append("s-1", [thing(n)], expected_version=n - 1 if n > 1 else NO_STREAM, metadata=command)
    return "s-1"


def test_an_unknown_stream_has_nothing_and_version_zero():
    tail = read_tail("nobody", snapshot_schema=SCHEMA, command_id="cmd-1")

    assert (tail.snapshot, tail.events, tail.version, tail.head_hash, tail.earlier) == (
        None,
        [],
        0,
        None,
        None,
    )


def test_without_a_snapshot_every_event_comes_with_the_heads_hash(five):
    tail = read_tail(five, snapshot_schema=SCHEMA)

    assert tail.snapshot is None
    assert [event["n"] for event in tail.events] == [1, 2, 3, 4, 5]
    assert tail.version == 5
    assert tail.head_hash == read_stream(five)[-1].hash
    assert tail.earlier is None


def test_a_snapshot_leaves_only_the_newer_events_to_replay(five):
    save_snapshot(five, version=3, state={"upto": 3}, schema_version=SCHEMA)

    tail = read_tail(five, snapshot_schema=SCHEMA)

    assert tail.snapshot is not None
    assert (tail.snapshot.version, tail.snapshot.state) == (3, {"upto": 3})
    assert [event["n"] for event in tail.events] == [4, 5]
    assert (tail.version, tail.head_hash) == (5, read_stream(five)[-1].hash)


def test_a_snapshot_at_the_head_still_gives_the_heads_hash(five):
    save_snapshot(five, version=5, state={"upto": 5}, schema_version=SCHEMA)

    tail = read_tail(five, snapshot_schema=SCHEMA)

    assert tail.events == []
    assert (tail.version, tail.head_hash) == (5, read_stream(five)[-1].hash)


def test_a_snapshot_of_another_schema_is_ignored(five):
    save_snapshot(five, version=4, state={"old": True}, schema_version=SCHEMA - 1)

    tail = read_tail(five, snapshot_schema=SCHEMA)

    assert tail.snapshot is None
    assert len(tail.events) == 5


def test_a_command_that_ran_is_found_in_its_own_stream_only(five, meta):
    append("s-2", [thing(1)], expected_version=NO_STREAM, metadata=replace(meta, command_id="x"))

    found = read_tail(five, snapshot_schema=SCHEMA, command_id="cmd-3")
    elsewhere = read_tail(five, snapshot_schema=SCHEMA, command_id="x")

    assert found.earlier == (3, read_stream(five)[2].position)
    assert elsewhere.earlier is None
    assert found.version == 5


def test_an_append_after_the_read_head_chains_like_any_other(five, meta):
    tail = read_tail(five, snapshot_schema=SCHEMA)

    result = append(
        five, [thing(6)], expected_version=tail.version, previous_hash=tail.head_hash, metadata=meta
    )

    assert result.version == 6
    assert read_stream(five)[-1].hash == result.events[0].hash
    assert verify_stream(five).breach is None


def test_a_stale_head_writes_nothing(five, meta, event_count):
    fourth = read_stream(five)[3]

    with pytest.raises(ConcurrencyError):
        append(five, [thing(6)], expected_version=4, previous_hash=fourth.hash, metadata=meta)

    assert event_count(five) == 5


def test_a_head_with_the_wrong_hash_is_refused_and_writes_nothing(five, meta, event_count):
    with pytest.raises(ValueError, match="previous_hash is not the hash of event 5"):
        append(five, [thing(6)], expected_version=5, previous_hash="f" * 64, metadata=meta)

    assert event_count(five) == 5
    assert verify_stream(five).breach is None


def test_a_head_beyond_the_stream_writes_nothing(five, meta, event_count):
    head = read_stream(five)[-1]

    with pytest.raises(ConcurrencyError):
        append(five, [thing(8)], expected_version=7, previous_hash=head.hash, metadata=meta)

    assert event_count(five) == 5


def test_a_new_stream_chains_from_genesis_whatever_hash_is_given(meta):
    result = append("s-new", [thing(1)], expected_version=0, previous_hash="f" * 64, metadata=meta)

    assert result.version == 1
    assert verify_stream("s-new").breach is None
    assert read_tail("s-new", snapshot_schema=SCHEMA).head_hash == result.events[0].hash
    assert result.events[0].hash != GENESIS
