"""Reading one stream: the event store's single read API for a stream.

One stream is read as it is now (its checked snapshot and the events after it, with what a
command needs to append: :func:`read_now`), as it was at a version (:func:`read_at_version`) or
at a moment (:func:`read_at_moment`), or only its first event (:func:`read_first`, which says
who created it). :func:`read_stream` gives its events as recorded (history, audit) and
:func:`read_stream_data` only their data (replay). Every query here comes from one builder and
every row is decoded by :mod:`eventstore.rows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field

from eventstore.backends import backend_for
from eventstore.models import Event
from eventstore.personal import Opener
from eventstore.recorded import RecordedEvent
from eventstore.rows import (
    SELECT_EVENT_DATA,
    SELECT_EVENTS,
    decode_event,
    event_data,
    register_rows,
)
from eventstore.snapshots import StoredSnapshot, load_snapshot
from eventstore.tail import StreamTail, read_tail

__all__ = [
    "StreamState",
    "StreamTail",
    "read_at_moment",
    "read_at_version",
    "read_first",
    "read_now",
    "read_stream",
    "read_stream_data",
    "written_by_command",
]


@dataclass(frozen=True)
class StreamState:
    """A stream as it was: the checked snapshot used (or None) and the decoded events after it.

    Replaying ``events`` onto ``snapshot``'s state (or onto nothing without one) gives the
    stream's state; both empty means the stream had no events by then.
    """

    snapshot: StoredSnapshot | None
    events: list[Any]


def read_now(
    stream_id: str, *, snapshot_schema: int, command_id: str = "", using: str = DEFAULT_DB_ALIAS
) -> StreamTail:
    """The stream now, in one round trip: see eventstore.tail.read_tail, which this is."""
    return read_tail(stream_id, snapshot_schema=snapshot_schema, command_id=command_id, using=using)


def read_at_version(
    stream_id: str, version: int, *, snapshot_schema: int, using: str = DEFAULT_DB_ALIAS
) -> StreamState:
    """The stream as it was after event ``version``: a checked snapshot not past it, if any,
    and the events after that snapshot up to ``version``. An unknown stream reads empty.
    """
    snapshot = load_snapshot(
        stream_id, schema_version=snapshot_schema, max_version=version, using=using
    )
    after = snapshot.version if snapshot is not None else 0
    events = read_stream_data(stream_id, after_version=after, to_version=version, using=using)
    return StreamState(snapshot, events)


def read_at_moment(
    stream_id: str, moment: datetime, *, using: str = DEFAULT_DB_ALIAS
) -> StreamState:
    """The stream as it was at ``moment``: every event recorded at or before it, no snapshot.

    (A snapshot records a version, not a time, so it cannot say whether it is past the moment.)
    """
    return StreamState(None, read_stream_data(stream_id, as_of=moment, using=using))


def read_first(stream_id: str, *, using: str = DEFAULT_DB_ALIAS) -> RecordedEvent | None:
    """The stream's first event (the one that created it), or None for an unknown stream."""
    events = read_stream(stream_id, to_version=1, using=using)
    return events[0] if events else None


def written_by_command(
    command_id: str, *, event_type: str, using: str = DEFAULT_DB_ALIAS
) -> tuple[str, int, int] | None:
    """(stream, version, position) of the newest event of ``event_type`` a command id wrote.

    What makes a command that opens a stream idempotent: before writing, ask whether its id
    already did. None when it has not run.
    """
    # Asked before every such command; a plain indexed query (event_command_idx) without the
    # ORM's compilation, which cost more than the database's answer.
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT stream_id, version, position FROM eventstore_event"
            " WHERE command_id = %s AND event_type = %s ORDER BY position DESC LIMIT 1",
            [command_id, event_type],
        )
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else None


def read_stream(
    stream_id: str,
    *,
    after_version: int = 0,
    to_version: int | None = None,
    as_of: datetime | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[RecordedEvent]:
    """The events of one stream in version order, optionally only up to a version or a moment.

    ``after_version`` skips what a snapshot already covers; ``to_version`` and ``as_of`` (events
    recorded at or before that moment) give the stream as it was. An unknown stream reads empty.
    """
    sql, params = _stream_query(SELECT_EVENTS, stream_id, after_version, to_version, as_of, using)
    connection = connections[using]
    with connection.cursor() as cursor:
        backend_for(connection).prepare_reader(cursor)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    opener = register_rows(Opener(using), rows, 7, 8)
    return [decode_event(row, opener=opener) for row in rows]


def read_stream_data(
    stream_id: str,
    *,
    after_version: int = 0,
    to_version: int | None = None,
    as_of: datetime | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Any]:
    """Only the decoded events of one stream (``RecordedEvent.data``), as read_stream selects.

    What replaying an aggregate needs and no more: metadata, hashes, ids and times are neither
    fetched nor decoded, which makes loading a long stream several times cheaper.
    """
    sql, params = _stream_query(
        SELECT_EVENT_DATA, stream_id, after_version, to_version, as_of, using
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    opener = register_rows(Opener(using), rows, 2)
    return [event_data(name, schema, payload, opener) for name, schema, payload in rows]


def _stream_query(
    select: str,
    stream_id: str,
    after_version: int,
    to_version: int | None,
    as_of: datetime | None,
    using: str,
) -> tuple[str, list[Any]]:
    sql = f"{select} WHERE stream_id = %s AND version > %s"
    params: list[Any] = [stream_id, after_version]
    if to_version is not None:
        sql += " AND version <= %s"
        params.append(to_version)
    if as_of is not None:
        sql += " AND recorded_at <= %s"
        params.append(_recorded_at_field().get_db_prep_save(as_of, connections[using]))
    return sql + " ORDER BY version", params


@cache
def _recorded_at_field() -> Field[Any, Any]:
    field = Event._meta.get_field("recorded_at")
    assert isinstance(field, Field)
    return field
