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

from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.coverage import Place, head_problem, unrecorded_problem
from eventstore.personal import Opener
from eventstore.rows import event_data, register_rows
from eventstore.snapshots import StoredSnapshot, checked, from_row

# Eight branches, told apart by the first column: 0 the snapshot (if its schema is the one
# expected), 1 the events from the snapshot's version on (the snapshot's own event is included
# only for its hash), 2 the last event the command id wrote, 3 the stream's head as its newest
# seal recorded it, 4 whether a breach was recorded for the stream, 5 the newest seal's last
# checkpoint, 6 and 7 where the stream's first and last events lie in the log (transaction,
# position): with 3 and 5 they say whether the seals recorded the stream as far as they cover it
# (eventstore.coverage). Only indexed look-ups: the snapshot by primary key, events by (stream,
# version), the command by its id, the sealed head and the breach by (stream, ...), the newest
# seal by its primary key.
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
    " UNION ALL"
    " SELECT 5, 0, last_checkpoint, number, NULL, NULL FROM (SELECT number, last_checkpoint"
    "  FROM eventstore_seal ORDER BY number DESC LIMIT 1) AS newest_seal"
    " UNION ALL"
    " SELECT 6, tx_id, NULL, position, NULL, NULL FROM (SELECT tx_id, position"
    "  FROM eventstore_event WHERE stream_id = %s ORDER BY version LIMIT 1) AS first_event"
    " UNION ALL"
    " SELECT 7, tx_id, NULL, position, NULL, NULL FROM (SELECT tx_id, position"
    "  FROM eventstore_event WHERE stream_id = %s ORDER BY version DESC LIMIT 1) AS last_event"
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
    why the stream cannot be trusted (a breach recorded for it, a gap in the versions read, or
    events the seals covered gone, changed or no longer recorded); empty when nothing was
    found. ``found`` are those of them this read found, not recorded yet. A snapshot that fails
    its check is not among them: it is simply not used (``snapshot`` is None and ``events`` are
    all events).
    """

    snapshot: StoredSnapshot | None
    events: list[Any]
    version: int
    head_hash: str | None
    earlier: tuple[int, int] | None
    problems: tuple[str, ...] = ()
    found: tuple[str, ...] = ()


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
    params += [stream_id, stream_id]
    with connections[using].cursor() as cursor:
        cursor.execute(_TAIL_SQL, params)
        rows = cursor.fetchall()
    read = _Rows(stream_id, opener=register_rows(Opener(using), rows, 4))
    for row in rows:
        read.take(*row)
    snapshot = read.snapshot
    if snapshot is not None and checked(snapshot, read.hashes.get(snapshot.version)) is None:
        return read_tail(
            stream_id, snapshot_schema=_NO_SNAPSHOT, command_id=command_id, using=using
        )
    found = (*_gap(read), *_sealed_problems(read))
    problems = (read.breach, *found) if read.breach is not None else found
    return StreamTail(
        snapshot, read.events, read.version, read.head_hash, read.earlier, problems, found
    )


@dataclass
class _Rows:
    """The tail statement's rows, sorted into what they say."""

    stream_id: str
    opener: Opener
    snapshot: StoredSnapshot | None = None
    events: list[Any] = field(default_factory=list)
    version: int = 0
    head_hash: str | None = None
    hashes: dict[int, str] = field(default_factory=dict)
    earlier: tuple[int, int] | None = None
    sealed: tuple[int, int, str] | None = None
    breach: str | None = None
    sealed_until: str | None = None
    first_at: Place | None = None
    head_at: Place | None = None

    def take(
        self, kind: int, version: int, text: Any, number: Any, document: Any, digest: Any
    ) -> None:
        if kind == 0:
            self.snapshot = from_row(self.stream_id, version, number, document, digest, text or "")
            self.version = version
        elif kind == 1:
            self.version, self.head_hash = version, digest
            self.hashes[version] = digest
            if self.snapshot is None or version > self.snapshot.version:
                # (event_type, schema_version, payload): the data-only shape of eventstore.rows.
                self.events.append(event_data(text, number, document, self.opener))
        elif kind == 2:
            self.earlier = (version, number)
        elif kind == 3:
            self.sealed = (number, version, digest)
        elif kind == 4:
            self.breach = text
        elif kind == 5:
            self.sealed_until = text
        else:
            # (branches 6 and 7 carry the transaction in the version column)
            place = (version, number)
            self.first_at, self.head_at = (
                (place, self.head_at) if kind == 6 else (self.first_at, place)
            )


def _gap(read: _Rows) -> list[str]:
    # Versions are 1, 2, 3, ... (invariant 2): a hole means events were removed, and appending
    # after it would fail on its predecessor as if another writer had moved the stream on.
    start = read.snapshot.version if read.snapshot is not None else 1
    versions = list(read.hashes)
    for expected, found in zip(range(start, start + len(versions)), versions, strict=True):
        if expected != found:
            return [f"expected version {expected}, found {found}: events were removed"]
    return []


def _sealed_problems(read: _Rows) -> list[str]:
    problems = []
    if read.sealed is not None:
        number, sealed_version, sealed_hash = read.sealed
        if sealed_version > read.version:
            problems.append(f"seal #{number}: {head_problem(number, sealed_version, True)}")
        elif read.hashes.get(sealed_version, sealed_hash) != sealed_hash:
            # Only a head among the events read can be compared; an older one is left to
            # verify_events, whose findings come back here as a recorded breach.
            problems.append(f"seal #{number}: {head_problem(number, sealed_version, False)}")
    unrecorded = unrecorded_problem(
        sealed_until=read.sealed_until,
        sealed_version=read.sealed[1] if read.sealed is not None else None,
        version=read.version,
        first_at=read.first_at,
        head_at=read.head_at,
    )
    return problems + ([unrecorded] if unrecorded else [])
