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
        aware(recorded_at),
        digest,
        tx_id,
    )


def aware(recorded_at: datetime | str) -> datetime:
    """A stored time as an aware datetime (SQLite hands back naive UTC text)."""
    if isinstance(recorded_at, str):
        recorded_at = datetime.fromisoformat(recorded_at)
    if recorded_at.tzinfo is None:
        return recorded_at.replace(tzinfo=UTC)
    return recorded_at


def fast_timestamps(cursor: Any, connection: Any) -> None:
    """Let a PostgreSQL cursor load timestamps with psycopg's own loader, written in C.

    Django registers a loader written in Python that loads the time and then sets its zone to
    the connection's; on a page of the log it took a sixth of the read. Django also sets the
    session's TimeZone to that same zone, and psycopg's loader returns times in the session's
    zone, so the datetimes are the same (UTC comes back as datetime.UTC either way).
    """
    if connection.vendor != "postgresql":
        return
    import psycopg

    driver_cursor = cursor.cursor
    if not isinstance(driver_cursor, psycopg.Cursor):
        return  # psycopg2, whose loader is in C already
    oid = psycopg.postgres.types["timestamptz"].oid
    loader = psycopg.adapters.get_loader(oid, psycopg.pq.Format.TEXT)
    if loader is not None:
        driver_cursor.adapters.register_loader(oid, loader)
