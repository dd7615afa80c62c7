"""Event rows as the database hands them back, decoded in one place on every backend.

Every reader of event rows selects them in one of two shapes and decodes them here:
:data:`SELECT_EVENTS` (every column) with :func:`decode_event`, for read_stream, read_all,
verification and the first event of a stream; or only the type, schema and payload with
:func:`event_data`, for replay (read_stream_data and the tail of a stream), which needs nothing
else. Both upcast through the type registry the same way.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from eventstore.codec import parse_json
from eventstore.personal import Opener
from eventstore.recorded import RecordedEvent
from eventstore.registry import registry

SELECT_EVENTS = (
    "SELECT position, event_id, stream_id, stream_type, version, event_type, schema_version,"
    " payload, metadata, recorded_at, hash, tx_id FROM eventstore_event"
)
# The data-only shape: what event_data takes, in this order.
SELECT_EVENT_DATA = "SELECT event_type, schema_version, payload FROM eventstore_event"

# An event as stored (decode_event with upcast=False): what re-hashing the chain reads.
StoredRow = RecordedEvent


def decode_event(
    row: tuple[Any, ...], *, upcast: bool = True, opener: Opener | None = None
) -> RecordedEvent:
    """One row selected with SELECT_EVENTS, as a RecordedEvent.

    Upcast (the default): ``data`` is the domain event and ``payload`` is in its type's current
    schema. Not upcast: the event exactly as stored, payload and schema version as written and
    ``data`` the payload dict, which is what re-hashing the chain needs. With an ``opener``
    (upcast only) personal values read in plain, or as ERASED (eventstore.personal); without
    one they stay as stored. Raises ValueError (msgspec's) for a payload that does not fit its
    registered class.
    """
    position, event_id, stream_id, stream_type, version, event_type, schema, payload, meta = row[:9]
    recorded_at, digest, tx_id = row[9:]
    # Both backends hand JSON columns back as text (Django leaves decoding to the field).
    if upcast:
        data, payload, schema = registry.decode_stored(event_type, schema, payload)
        if opener is not None and (fields := registry.personal_fields(event_type)):
            data = opener.open_event(data, fields)
            if not isinstance(payload, str | bytes):  # upcast: a dict already
                payload = opener.open_fields(payload, fields)
            # (Payload text is opened when someone asks for it: RecordedEvent.payload.)
    else:
        data = payload = parse_json(payload) if isinstance(payload, str | bytes) else payload
    # Metadata stays JSON text until someone asks for it (see RecordedEvent).
    return RecordedEvent(
        position,
        event_id if event_id.__class__ is uuid.UUID else uuid.UUID(event_id),
        stream_id,
        stream_type,
        version,
        event_type,
        schema,
        data,
        payload,
        meta,
        aware(recorded_at),
        digest,
        tx_id,
        opener,
    )


def event_data(
    event_type: str, schema_version: int, payload: Any, opener: Opener | None = None
) -> Any:
    """Only the domain event of a row in the data-only shape (SELECT_EVENT_DATA), upcast, with
    its personal values opened by ``opener`` when given."""
    data = registry.decode_stored(event_type, schema_version, payload)[0]
    if opener is not None and (fields := registry.personal_fields(event_type)):
        return opener.open_event(data, fields)
    return data


def register_rows(opener: Opener, rows: list[tuple[Any, ...]], *columns: int) -> Opener:
    """Let ``opener`` see the stored text of ``columns`` of every row before any is decoded, so
    that it loads every key the rows need in one query."""
    for row in rows:
        for column in columns:
            opener.register(row[column])
    return opener


def stored_row(row: tuple[Any, ...]) -> StoredRow:
    """A row selected with SELECT_EVENTS, exactly as stored (decode_event without upcasting)."""
    return decode_event(row, upcast=False)


def aware(recorded_at: datetime | str) -> datetime:
    """A stored time as an aware datetime (SQLite hands back naive UTC text)."""
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    if recorded_at.tzinfo is None:
        return recorded_at.replace(tzinfo=UTC)
    return recorded_at
