"""Event rows as the database hands them back, made the same on every backend."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

SELECT_EVENTS = (
    "SELECT position, event_id, stream_id, stream_type, version, event_type, schema_version,"
    " payload, metadata, recorded_at, hash, tx_id FROM eventstore_event"
)


class StoredRow(NamedTuple):
    """One event row exactly as stored: payload in its stored schema, not upcast."""

    position: int
    event_id: uuid.UUID
    stream_id: str
    stream_type: str
    version: int
    event_type: str
    schema_version: int
    payload: Any
    metadata: dict[str, Any]
    recorded_at: datetime
    hash: str
    tx_id: int


def stored_row(row: tuple[Any, ...]) -> StoredRow:
    """Normalise a row selected with SELECT_EVENTS."""
    position, event_id, stream_id, stream_type, version, event_type, schema, payload, meta = row[:9]
    recorded_at, digest, tx_id = row[9:]
    # Both backends hand JSON columns back as text (Django leaves decoding to the field).
    if isinstance(payload, str):
        payload = json.loads(payload)
    if isinstance(meta, str):
        meta = json.loads(meta)
    if not isinstance(event_id, uuid.UUID):
        event_id = uuid.UUID(event_id)
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=UTC)
    return StoredRow(
        position,
        event_id,
        stream_id,
        stream_type,
        version,
        event_type,
        schema,
        payload,
        meta,
        recorded_at,
        digest,
        tx_id,
    )
