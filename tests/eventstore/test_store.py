"""The event store's contract: the same suite runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from eventstore import clock
from eventstore.codec import to_payload
from eventstore.errors import ConcurrencyError, UnknownEventType
from eventstore.metadata import Metadata
from eventstore.registry import registry
from eventstore.store import (
    ANY,
    NO_STREAM,
    START,
    RawEvent,
    append,
    checkpoint_covers,
    decode_checkpoint,
    head_checkpoint,
    read_all,
    read_stream,
    read_stream_data,
)
from tests.eventstore.cart_event_examples import EXAMPLES

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Noted:
    text: str


registry.register("test.Noted", Noted)


def raw(n: int) -> list[RawEvent]:
    return [RawEvent("test.Thing", {"n": i}) for i in range(n)]


def test_append_to_a_new_stream_numbers_versions_from_one(meta):
    result = append("s-1", raw(3), expected_version=NO_STREAM, metadata=meta)

    assert result.version == 3
    assert [e.version for e in read_stream("s-1")] == [1, 2, 3]


def test_appended_events_carry_metadata_and_stream_type(meta):
    append(
        "order-7", [RawEvent("order.Placed", {"x": 1})], expected_version=NO_STREAM, metadata=meta
    )

    [event] = read_stream("order-7")
    assert event.stream_type == "order"
    assert event.metadata["actor"] == "user:test"
    assert event.metadata["correlation_id"] == "corr-test"
    assert event.payload == {"x": 1}


def test_registered_events_round_trip_as_their_class(meta):
    append("s-1", [Noted("hello")], expected_version=NO_STREAM, metadata=meta)

    [event] = read_stream("s-1")
    assert event.event_type == "test.Noted"
    assert event.data == Noted("hello")


def test_stale_expected_version_fails_and_writes_nothing(meta, event_count):
    append("s-1", raw(2), expected_version=NO_STREAM, metadata=meta)

    with pytest.raises(ConcurrencyError, match="is at version 2, not 1"):
        append("s-1", raw(3), expected_version=1, metadata=meta)

    assert event_count("s-1") == 2


def test_no_stream_expectation_fails_when_the_stream_exists(meta, event_count):
    append("s-1", raw(1), expected_version=NO_STREAM, metadata=meta)

    with pytest.raises(ConcurrencyError):
        append("s-1", raw(1), expected_version=NO_STREAM, metadata=meta)

    assert event_count("s-1") == 1


def test_any_expectation_appends_after_whatever_is_there(meta):
    append("s-1", raw(2), expected_version=NO_STREAM, metadata=meta)
    result = append("s-1", raw(1), expected_version=ANY, metadata=meta)

    assert result.version == 3


def test_a_batch_is_written_whole_or_not_at_all(meta, event_count):
    append("s-1", raw(1), expected_version=NO_STREAM, metadata=meta)
    with pytest.raises(UnknownEventType), transaction.atomic():
        append("s-1", [*raw(2), object()], expected_version=1, metadata=meta)

    assert event_count("s-1") == 1


def test_a_refused_append_leaves_the_callers_transaction_usable(meta, event_count):
    append("s-1", raw(1), expected_version=NO_STREAM, metadata=meta)
    with transaction.atomic():
        with pytest.raises(ConcurrencyError):
            append("s-1", raw(1), expected_version=0, metadata=meta)
        append("s-2", raw(1), expected_version=NO_STREAM, metadata=meta)

    assert event_count() == 2


def test_empty_batches_and_bad_expectations_are_refused(meta, event_count):
    with pytest.raises(ValueError, match="at least one event"):
        append("s-1", [], expected_version=ANY, metadata=meta)
    with pytest.raises(ValueError, match="expected_version"):
        append("s-1", raw(1), expected_version=-1, metadata=meta)

    assert event_count() == 0


def test_metadata_requires_actor_and_source():
    with pytest.raises(ValueError, match="actor"):
        Metadata(actor="", source="api")
    with pytest.raises(ValueError, match="source"):
        Metadata(actor="system", source="")


def test_read_stream_up_to_a_version(meta):
    append("s-1", raw(5), expected_version=NO_STREAM, metadata=meta)

    assert [e.version for e in read_stream("s-1", to_version=3)] == [1, 2, 3]
    assert [e.version for e in read_stream("s-1", after_version=3)] == [4, 5]


def test_read_stream_as_of_a_moment(meta):
    append("s-1", raw(2), expected_version=NO_STREAM, metadata=meta)
    moment = timezone.now()
    later = moment + timedelta(seconds=1)
    with clock.recording_at(later):
        append("s-1", raw(1), expected_version=2, metadata=meta)

    assert [e.version for e in read_stream("s-1", as_of=moment)] == [1, 2]
    assert [e.version for e in read_stream("s-1", as_of=later)] == [1, 2, 3]


def test_every_cart_event_reads_back_equal_from_every_reader(meta):
    result = append(
        "cart-x",
        EXAMPLES,
        expected_version=NO_STREAM,
        metadata=meta,
        stream_type="cart",
        subject="user:7",
    )

    from_stream = read_stream("cart-x")
    from_log = read_all().events

    assert [e.data for e in from_stream] == [e.data for e in from_log] == EXAMPLES
    assert read_stream_data("cart-x") == EXAMPLES
    for written, *read in zip(result.events, from_stream, from_log, strict=True):
        for event in read:
            assert event == written
            assert event.payload == to_payload(event.data)
            assert event.metadata == meta.to_dict()
            assert event.recorded_at.utcoffset() == timedelta(0)


def test_unknown_stream_reads_empty():
    assert read_stream("nobody") == []


def test_read_all_pages_through_the_log_in_order_without_repeats(meta):
    for stream in ("a", "b", "c"):
        append(stream, raw(3), expected_version=NO_STREAM, metadata=meta)

    seen: list[int] = []
    checkpoint = START
    while page := read_all(checkpoint, limit=4).events:
        seen.extend(e.position for e in page)
        checkpoint = page[-1].checkpoint

    assert len(seen) == 9
    assert seen == sorted(seen)
    assert read_all(checkpoint).events == []


def test_read_all_resumes_after_new_appends(meta):
    append("a", raw(2), expected_version=NO_STREAM, metadata=meta)
    first = read_all()
    append("a", raw(1), expected_version=2, metadata=meta)

    second = read_all(first.checkpoint)
    assert [e.version for e in second.events] == [3]


def test_head_checkpoint_and_coverage(meta):
    assert head_checkpoint() == START
    result = append("a", raw(2), expected_version=NO_STREAM, metadata=meta)

    head = head_checkpoint()
    assert checkpoint_covers(head, result.last_position)
    assert not checkpoint_covers(START, result.last_position)


def test_malformed_checkpoints_are_refused():
    with pytest.raises(ValueError, match="malformed checkpoint"):
        read_all("not-a-checkpoint")
    with pytest.raises(ValueError, match="malformed checkpoint"):
        decode_checkpoint("1:2:3")


def test_each_event_is_chained_to_the_previous_hash(meta):
    append("s-1", raw(3), expected_version=NO_STREAM, metadata=meta)

    hashes = [e.hash for e in read_stream("s-1")]
    assert len(set(hashes)) == 3
    assert all(len(h) == 64 for h in hashes)


@pytest.mark.parametrize("spelling", ["+1:2", "1_0:2", "01:2", "1:02", " 1:2", "1:2:3", "1", ""])
def test_a_checkpoint_is_read_only_as_the_store_writes_it(spelling):
    if spelling == "":
        assert decode_checkpoint(spelling) == (-1, 0)  # START
        return
    with pytest.raises(ValueError, match="malformed checkpoint"):
        decode_checkpoint(spelling)
