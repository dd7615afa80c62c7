"""The tail of one stream: everything a command needs to decide and append, in one round trip.

A command on an aggregate asks three things before it decides: did this command id already
write to the stream (idempotency), what is the latest usable snapshot, and which events came
after it. It then appends after the stream's last event, whose hash the new event chains to.
Asked one by one these are four queries; :func:`read_tail` asks them in one statement, and
hands back the last event's hash so that ``append`` need not read the head again. The same
statement also says whether the stream may be trusted (a recorded breach, its sealed head), so
that refusing a command on a tampered stream costs no round trip of its own.

This is how :mod:`eventstore.streams`, the single read API for a stream, reads one "now"
(``read_now``); its events are decoded by :mod:`eventstore.rows` like every other reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.rows import event_data
from eventstore.seal_check import head_problem
from eventstore.snapshots import StoredSnapshot, checked, from_row

# Five branches, told apart by the first column: 0 the snapshot (if its schema is the one
# expected), 1 the events from the snapshot's version on (the snapshot's own event is included
# only for its hash), 2 the last event the command id wrote, 3 the stream's head as its newest
# seal recorded it, 4 whether a breach was recorded for the stream. Only indexed look-ups: the
# snapshot by primary key, events by (stream, version), the command by its id, the sealed head
# and the breach by (stream, ...).
_TAIL_SQL = (
    "SELECT 0, version, mac, schema_version, state, event_hash FROM eventstore_snapshot"
    " WHERE stream_id = %s AND schema_version = %s"
    " UNION ALL"
    " SELECT 1, version, event_type, schema_version, payload, hash FROM eventstore_event"
    " WHERE stream_id = %s AND version >= COALESCE((SELECT version FROM eventstore_snapshot"
    "  WHERE stream_id = %s AND schema_version = %s), 1)"
    " UNION ALL"
    " SELECT 2, version, NULL, position, NULL, NULL FROM (SELECT version, position"
    "  FROM eventstore_event WHERE command_id = %s AND stream_id = %s"
    "  ORDER BY version DESC LIMIT 1) AS earlier"
    " UNION ALL"
    " SELECT 3, last_version, NULL, seal, NULL, last_hash FROM (SELECT last_version, seal,"
    "  last_hash FROM eventstore_sealedstream WHERE stream_id = %s"
    "  ORDER BY seal DESC LIMIT 1) AS sealed"
    " UNION ALL"
    " SELECT 4, 0, problem, NULL, NULL, NULL FROM (SELECT problem FROM eventstore_breach"
    "  WHERE stream_id = %s LIMIT 1) AS breach"
    " ORDER BY 1, 2"
)
# A schema no snapshot has: reading the tail again without the snapshot that failed its check.
_NO_SNAPSHOT = -1


@dataclass(frozen=True)
class StreamTail:
    """A stream as a command finds it.

    ``events`` are the decoded events after the snapshot (all of them without one);
    ``version`` is the stream's current version and ``head_hash`` the hash of the event at that
    version (None for a stream with no events); ``earlier`` is the (version, position) of the
    last event the asked command id wrote here, or None when it has not run. ``problems`` say
    why the stream cannot be trusted (a breach recorded for it, or events its newest seal
    covered gone or changed); empty when nothing was found. A snapshot that fails its check is
    not among them: it is simply not used (``snapshot`` is None and ``events`` are all events).
    """

    snapshot: StoredSnapshot | None
    events: list[Any]
    version: int
    head_hash: str | None
    earlier: tuple[int, int] | None
    problems: tuple[str, ...] = ()


def read_tail(
    stream_id: str,
    *,
    snapshot_schema: int,
    command_id: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> StreamTail:
    """The stream's snapshot (of ``snapshot_schema``), newer events, head and earlier command.

    An unknown stream reads as version 0 with nothing in it. Without a ``command_id`` the
    idempotency look-up is skipped. A snapshot that fails its check (eventstore.snapshots) is
    logged and the tail read again without it.
    """
    params: list[str | int | None] = [stream_id, snapshot_schema, stream_id, stream_id]
    params += [snapshot_schema, command_id or None, stream_id, stream_id, stream_id]
    with connections[using].cursor() as cursor:
        cursor.execute(_TAIL_SQL, params)
        rows = cursor.fetchall()
    snapshot, events, earlier = None, [], None
    version, head_hash = 0, None
    hashes: dict[int, str] = {}
    sealed, breach = None, None
    for kind, row_version, text, number, document, digest in rows:
        if kind == 0:
            snapshot = from_row(stream_id, row_version, number, document, digest, text or "")
            version = row_version
        elif kind == 1:
            version, head_hash = row_version, digest
            hashes[row_version] = digest
            if snapshot is None or row_version > snapshot.version:
                # (event_type, schema_version, payload): the data-only shape of eventstore.rows.
                events.append(event_data(text, number, document))
        elif kind == 2:
            earlier = (row_version, number)
        elif kind == 3:
            sealed = (number, row_version, digest)
        else:
            breach = text
    if snapshot is not None and checked(snapshot, hashes.get(snapshot.version)) is None:
        return read_tail(
            stream_id, snapshot_schema=_NO_SNAPSHOT, command_id=command_id, using=using
        )
    problems = _problems(sealed, breach, version, hashes)
    return StreamTail(snapshot, events, version, head_hash, earlier, problems)


def _problems(
    sealed: tuple[int, int, str] | None, breach: str | None, version: int, hashes: dict[int, str]
) -> tuple[str, ...]:
    problems = [breach] if breach is not None else []
    if sealed is not None:
        number, sealed_version, sealed_hash = sealed
        if sealed_version > version:
            problems.append(f"seal #{number}: {head_problem(number, sealed_version, True)}")
        elif hashes.get(sealed_version, sealed_hash) != sealed_hash:
            # Only a head among the events read can be compared; an older one is left to
            # verify_events, whose findings come back here as a recorded breach.
            problems.append(f"seal #{number}: {head_problem(number, sealed_version, False)}")
    return tuple(problems)
