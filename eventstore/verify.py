"""Checking the integrity of every stream: contiguous versions and an unbroken hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.backends import backend_for
from eventstore.hashing import GENESIS, event_hash
from eventstore.rows import SELECT_EVENTS, StoredRow, decode_event


@dataclass(frozen=True)
class Breach:
    """The first event of a stream that fails a check, and why."""

    stream_id: str
    position: int
    version: int
    problem: str

    def __str__(self) -> str:
        return f"stream {self.stream_id}: {self.in_stream}"

    @property
    def in_stream(self) -> str:
        """The breach as said within its stream: which event, and what is wrong with it."""
        return f"event #{self.position} (version {self.version}): {self.problem}"


@dataclass(frozen=True)
class StreamReport:
    """The outcome of checking one stream.

    ``version`` is the newest version read; ``first_at`` and ``head_at`` are where the first and
    last events read lie in the log, as (transaction, position), None when none was read.
    """

    stream_id: str
    events: int
    breach: Breach | None
    version: int = 0
    first_at: tuple[int, int] | None = None
    head_at: tuple[int, int] | None = None


def verify_stream(
    stream_id: str, *, since_version: int = 0, using: str = DEFAULT_DB_ALIAS
) -> StreamReport:
    """Check one stream; the report names its first broken event, if any.

    With ``since_version`` N > 0 only the events after N are checked, chained from the hash
    event N holds: for a reader whose state came from a snapshot bound to that very hash (see
    eventstore.snapshots), which makes the check of a long stream cost what its tail costs.
    ``events`` then counts the events checked.
    """
    return next(_verify(using, stream_id, since_version), StreamReport(stream_id, 0, None))


def verify_all(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[StreamReport]:
    """Check every stream, reading the table once in (stream, version) order."""
    return _verify(using, None, 0)


class _StreamCheck:
    """Walks one stream's rows in version order and keeps the first breach."""

    def __init__(self, stream_id: str, since_version: int = 0) -> None:
        self.stream_id = stream_id
        self.events = 0
        self.breach: Breach | None = None
        self._since = since_version
        self._previous_hash = GENESIS
        self._version = 0
        self._first_at: tuple[int, int] | None = None
        self._head_at: tuple[int, int] | None = None

    def feed(self, row: StoredRow) -> None:
        self._version, self._head_at = row.version, (row.tx_id, row.position)
        self._first_at = self._first_at or self._head_at
        if self._since and row.version == self._since:
            # The anchor: its hash is what the caller's snapshot was bound to.
            self._previous_hash = row.hash
            return
        self.events += 1
        if self.breach is not None:
            return
        expected = self._since + self.events
        if row.version != expected:
            self.breach = self._breach(row, f"expected version {expected}, found {row.version}")
            return
        if row_hash(row, self._previous_hash) != row.hash:
            self.breach = self._breach(
                row, "its hash does not match its content and predecessor: the event was altered"
            )
        self._previous_hash = row.hash

    def report(self) -> StreamReport:
        return StreamReport(
            self.stream_id, self.events, self.breach, self._version, self._first_at, self._head_at
        )

    def _breach(self, row: StoredRow, problem: str) -> Breach:
        return Breach(row.stream_id, row.position, row.version, problem)


def row_hash(row: StoredRow, previous_hash: str) -> str:
    """The hash a stored event should carry, chained to ``previous_hash``."""
    return event_hash(
        previous_hash=previous_hash,
        event_id=str(row.event_id),
        stream_id=row.stream_id,
        stream_type=row.stream_type,
        version=row.version,
        event_type=row.event_type,
        schema_version=row.schema_version,
        payload=row.payload,
        metadata=row.metadata,
        recorded_at=row.recorded_at,
    )


def _verify(using: str, only_stream: str | None, since_version: int) -> Iterator[StreamReport]:
    where = " WHERE stream_id = %s AND version >= %s" if only_stream else ""
    params: list[str | int] = [only_stream, since_version] if only_stream else []
    check: _StreamCheck | None = None
    connection = connections[using]
    # A server-side cursor on PostgreSQL keeps memory flat however large the table is; one
    # stream fits in memory, and a plain cursor spares the read paths that check a cart the
    # server-side cursor's extra round trips.
    with connection.cursor() if only_stream else connection.chunked_cursor() as cursor:
        backend_for(connection).prepare_reader(cursor)
        cursor.execute(f"{SELECT_EVENTS}{where} ORDER BY stream_id, version", params)
        while rows := cursor.fetchmany(2000):
            for raw in rows:
                # As stored, not upcast: the hash covers the payload as it was written.
                row = decode_event(raw, upcast=False)
                if check is None or row.stream_id != check.stream_id:
                    if check is not None:
                        yield check.report()
                    check = _StreamCheck(row.stream_id, since_version)
                check.feed(row)
    if check is not None:
        yield check.report()
