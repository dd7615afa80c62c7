"""The tail of one stream: everything a command needs to decide and append, in one round trip.

A command on an aggregate asks three things before it decides: did this command id already
write to the stream (idempotency), what is the latest usable snapshot, and which events came
after it. It then appends after the stream's last event, whose hash the new event chains to.
Asked one by one these are four queries; :func:`read_tail` asks them in one statement, and
hands back the last event's hash so that ``append`` need not read the head again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.codec import parse_json
from eventstore.registry import registry
from eventstore.snapshots import StoredSnapshot

# Three branches, told apart by the first column: 0 the snapshot (if its schema is the one
# expected), 1 the events from the snapshot's version on (the snapshot's own event is included
# only for its hash), 2 the last event the command id wrote. Only indexed look-ups: the
# snapshot by primary key, events by (stream, version), the command by its id.
_TAIL_SQL = (
    "SELECT 0, version, NULL, schema_version, state, NULL FROM eventstore_snapshot"
    " WHERE stream_id = %s AND schema_version = %s"
    " UNION ALL"
    " SELECT 1, version, event_type, schema_version, payload, hash FROM eventstore_event"
    " WHERE stream_id = %s AND version >= COALESCE((SELECT version FROM eventstore_snapshot"
    "  WHERE stream_id = %s AND schema_version = %s), 1)"
    " UNION ALL"
    " SELECT 2, version, NULL, position, NULL, NULL FROM (SELECT version, position"
    "  FROM eventstore_event WHERE command_id = %s AND stream_id = %s"
    "  ORDER BY version DESC LIMIT 1) AS earlier"
    " ORDER BY 1, 2"
)


@dataclass(frozen=True)
class StreamTail:
    """A stream as a command finds it.

    ``events`` are the decoded events after the snapshot (all of them without one);
    ``version`` is the stream's current version and ``head_hash`` the hash of the event at that
    version (None for a stream with no events); ``earlier`` is the (version, position) of the
    last event the asked command id wrote here, or None when it has not run.
    """

    snapshot: StoredSnapshot | None
    events: list[Any]
    version: int
    head_hash: str | None
    earlier: tuple[int, int] | None


def read_tail(
    stream_id: str,
    *,
    snapshot_schema: int,
    command_id: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> StreamTail:
    """The stream's snapshot (of ``snapshot_schema``), newer events, head and earlier command.

    An unknown stream reads as version 0 with nothing in it. Without a ``command_id`` the
    idempotency look-up is skipped.
    """
    params: list[str | int | None] = [stream_id, snapshot_schema, stream_id, stream_id]
    params += [snapshot_schema, command_id or None, stream_id]
    with connections[using].cursor() as cursor:
        cursor.execute(_TAIL_SQL, params)
        rows = cursor.fetchall()
    snapshot, events, earlier = None, [], None
    version, head_hash = 0, None
    decode = registry.decode_stored
    for kind, row_version, event_type, number, document, digest in rows:
        # Both backends hand JSON columns back as text (Django leaves decoding to the field).
        if kind == 0:
            state = parse_json(document) if isinstance(document, str) else document
            snapshot = StoredSnapshot(stream_id=stream_id, version=row_version, state=state)
            version = row_version
        elif kind == 1:
            version, head_hash = row_version, digest
            if snapshot is None or row_version > snapshot.version:
                events.append(decode(event_type, number, document)[0])
        else:
            earlier = (row_version, number)
    return StreamTail(snapshot, events, version, head_hash, earlier)
