"""RecordedEvent: read-only, with payload and metadata decoded from their text when asked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from eventstore.recorded import RecordedEvent


def recorded(payload: object, metadata: object) -> RecordedEvent:
    return RecordedEvent(
        position=7,
        event_id=uuid.UUID(int=1),
        stream_id="s-1",
        stream_type="s",
        version=2,
        event_type="test.Thing",
        schema_version=1,
        data={"n": 1},
        payload=payload,  # type: ignore[arg-type]
        metadata=metadata,  # type: ignore[arg-type]
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        hash="0" * 64,
        tx_id=3,
    )


def test_payload_and_metadata_given_as_text_read_as_dicts():
    event = recorded('{"n": 1}', '{"actor": "user:1"}')

    assert event.payload == {"n": 1}
    assert event.metadata == {"actor": "user:1"}
    assert event.payload is event.payload  # decoded once


def test_an_event_read_from_text_equals_one_given_dicts():
    assert recorded('{"n": 1}', '{"actor": "user:1"}') == recorded({"n": 1}, {"actor": "user:1"})
    assert recorded('{"n": 1}', "{}") != recorded({"n": 2}, {})


def test_a_recorded_event_cannot_be_changed():
    event = recorded({"n": 1}, {})

    with pytest.raises(AttributeError):
        event.version = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.payload = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        event.note = "x"  # type: ignore[attr-defined]
    assert event.version == 2


def test_the_checkpoint_resumes_after_the_event_and_repr_names_the_fields():
    event = recorded({"n": 1}, {})

    assert event.checkpoint.endswith("7")
    assert "stream_id='s-1'" in repr(event)
    assert "payload={'n': 1}" in repr(event)


def test_payload_and_metadata_as_json_are_the_stored_text_until_decoded_then_encoded():
    event = recorded('{"n": 1}', '{"actor": "user:1"}')
    assert (event.payload_json, event.metadata_json) == ('{"n": 1}', '{"actor": "user:1"}')

    given = recorded({"n": 2}, {"actor": "user:2"})
    assert (given.payload_json, given.metadata_json) == (b'{"n":2}', b'{"actor":"user:2"}')
