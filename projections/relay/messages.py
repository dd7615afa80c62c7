"""The events the relay publishes: read from the log in one place, encoded as JSON messages.

:func:`read_events` is the only place the relay reads the log, so what a broker receives is
decided here and nowhere else: the payload as upcast, and personal values (checkout details,
the client's address and user agent) as stored, encrypted (eventstore.personal). A broker keeps
what it is sent for its retention; ciphertext there is erased with its person's key.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from eventstore.store import Page, RecordedEvent, read_all
from projections.relay.sink import Message

_encoder = msgspec.json.Encoder()


def read_events(after: str, *, limit: int) -> Page:
    """The next ``limit`` events of the global log after checkpoint ``after``, in commit order.

    Gap-free as read_all is; raises ValueError for a checkpoint the store never handed out."""
    return read_all(after, limit=limit, opened=False)


def to_message(event: RecordedEvent) -> Message:
    """``event`` as a message: its id, routing fields and a JSON body.

    The body is an object with ``event_id``, ``stream_id``, ``stream_type``, ``version``,
    ``event_type``, ``schema_version``, ``payload``, ``metadata``, ``recorded_at`` (UTC,
    microseconds, ``Z``) and ``checkpoint`` (the feed's checkpoint just after this event)."""
    event_id = str(event.event_id)
    body = {
        "event_id": event_id,
        "stream_id": event.stream_id,
        "stream_type": event.stream_type,
        "version": event.version,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        # Passed on as the JSON text the database gave, when nothing decoded it yet.
        "payload": msgspec.Raw(event.payload_json),
        "metadata": msgspec.Raw(event.metadata_json),
        "recorded_at": moment(event.recorded_at),
        "checkpoint": event.checkpoint,
    }
    return Message(
        id=event_id,
        stream_id=event.stream_id,
        stream_type=event.stream_type,
        event_type=event.event_type,
        body=_encoder.encode(body),
    )


def moment(recorded_at: datetime) -> str:
    """``2026-03-01T10:15:42.000000Z``: as the feed writes ``recorded_at``."""
    return recorded_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
