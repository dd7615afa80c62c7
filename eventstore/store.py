"""Appending to streams and reading the global log: the event store's public API.

:func:`append` (all or nothing, with optimistic concurrency on the stream's version) lives here.
Reading is re-exported from where it lives: :func:`read_all`, the global log from an opaque
checkpoint, gap-free under concurrent writers (:mod:`eventstore.log`), and read_stream and
read_stream_data, one stream (:mod:`eventstore.streams`, the single read API for a stream).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final, Literal

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Field

from eventstore import clock, personal
from eventstore.checkpoints import (
    START,
    checkpoint_covers,
    checkpoint_position,
    decode_checkpoint,
    head_checkpoint,
)
from eventstore.errors import ConcurrencyError
from eventstore.hashing import GENESIS, event_hash
from eventstore.log import Page, read_all
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.recorded import RecordedEvent
from eventstore.registry import registry
from eventstore.signals import events_committed
from eventstore.streams import read_stream, read_stream_data

__all__ = [
    "ANY",
    "NO_STREAM",
    "START",
    "AppendResult",
    "ExpectedVersion",
    "Page",
    "RawEvent",
    "RecordedEvent",
    "append",
    "checkpoint_covers",
    "checkpoint_position",
    "decode_checkpoint",
    "head_checkpoint",
    "read_all",
    "read_stream",
    "read_stream_data",
]

NO_STREAM: Final = "no_stream"
ANY: Final = "any"
ExpectedVersion = int | Literal["no_stream", "any"]


@dataclass(frozen=True)
class RawEvent:
    """An event given by type name and payload, for callers without a registered class."""

    event_type: str
    payload: dict[str, Any]
    schema_version: int = 1


@dataclass(frozen=True)
class AppendResult:
    """What an append wrote: the stream's new version and the events with their positions."""

    stream_id: str
    version: int
    events: list[RecordedEvent] = field(default_factory=list)

    @property
    def last_position(self) -> int:
        return self.events[-1].position


_COLUMNS = (
    "event_id, stream_id, stream_type, version, event_type, schema_version, payload, metadata,"
    " command_id, correlation_id, recorded_at, hash"
)


def append(
    stream_id: str,
    events: Sequence[Any],
    *,
    expected_version: ExpectedVersion,
    metadata: Metadata,
    stream_type: str | None = None,
    previous_hash: str | None = None,
    subject: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> AppendResult:
    """Append ``events`` to a stream as one atomic batch and return what was written.

    ``expected_version`` is the version the caller decided on: a number, NO_STREAM (the stream
    must not exist yet) or ANY. Raises ConcurrencyError, writing nothing, when the stream has
    moved on; ValueError for an empty batch; UnknownEventType for an unregistered event class.

    ``previous_hash`` is the hash of the event at ``expected_version`` as the caller read it
    (see eventstore.tail): it spares reading the stream's head. The database checks it in the
    insert itself, which writes nothing unless that very event is the stream's last.

    ``subject`` is the person the events' personal fields belong to (``user:42``): they are
    stored encrypted under that person's key, as the metadata's client address and user agent
    are under the actor's (eventstore.personal); ValueError when personal data has no subject.
    The hash chain covers what is stored, the ciphertext, so forgetting breaks no chain.
    """
    if not events:
        raise ValueError("append needs at least one event")
    encoded = [_encode(event, subject, using) for event in events]
    stream_type = stream_type or encoded[0][0].split(".", 1)[0]
    plain_meta = metadata.to_dict()
    meta = personal.seal_fields(plain_meta, Metadata.personal_fields, metadata.actor, using=using)
    connection = connections[using]
    # The append needs no transaction of its own, nor a savepoint inside a caller's: every
    # check below raises before anything is written, the insert is one statement (a batch of
    # several is wrapped, see _insert), and a version another writer took makes it write
    # nothing. Outside a transaction a one-event append is a single round trip and commit.
    with connection.cursor() as cursor:
        predecessor = None
        if expected_version == NO_STREAM:
            # Version 1 can only be taken once (the unique stream-version index), so a new
            # stream needs no look at its head: an existing one makes the insert conflict.
            current, head_hash = 0, GENESIS
        elif previous_hash is not None and len(encoded) == 1 and _is_version(expected_version):
            # The caller knows the head. Version N + 1 can only be taken once, and the insert
            # requires event N with this hash to exist, so a stale or wrong head writes nothing.
            assert isinstance(expected_version, int)
            current = expected_version
            if expected_version:
                head_hash, predecessor = previous_hash, (expected_version, previous_hash)
            else:
                head_hash = GENESIS  # a new stream chains from genesis, whatever was given
        else:
            current, head_hash = _stream_head(cursor, stream_id)
        _check_expected(stream_id, expected_version, current)
        rows = _chain(stream_id, stream_type, current, head_hash, encoded, meta)
        inserted = _insert(connection, cursor, rows, using, predecessor)
        if inserted is None:
            # Two writers read the same head; the unique (stream, version) index let the first
            # commit and made this one wait for it, then refuse. Nothing of this batch remains.
            actual, actual_hash = _stream_head(cursor, stream_id)
            if predecessor is not None and actual == current and actual_hash != head_hash:
                raise ValueError(
                    f"previous_hash is not the hash of event {current} of stream {stream_id}"
                )
            raise ConcurrencyError(stream_id, expected_version, actual)
        positions, tx_ids = inserted
    recorded = [
        RecordedEvent(
            position=position,
            event_id=row["event_id"],
            stream_id=stream_id,
            stream_type=stream_type,
            version=row["version"],
            event_type=row["event_type"],
            schema_version=row["schema_version"],
            data=event,
            payload=plain_payload,
            metadata=plain_meta,
            recorded_at=row["recorded_at"],
            hash=row["hash"],
            tx_id=tx_id,
        )
        for position, tx_id, row, event, (*_, plain_payload) in zip(
            positions, tx_ids, rows, events, encoded, strict=True
        )
    ]
    transaction.on_commit(
        lambda: events_committed.send(
            sender=append, stream_id=stream_id, stream_type=stream_type, positions=positions
        ),
        using=using,
    )
    return AppendResult(stream_id=stream_id, version=rows[-1]["version"], events=recorded)


def _encode(
    event: Any, subject: str, using: str
) -> tuple[str, int, dict[str, Any], Any, dict[str, Any]]:
    """(type, schema version, payload as stored, event, payload in plain)."""
    if isinstance(event, RawEvent):
        name, schema_version, payload = event.event_type, event.schema_version, event.payload
    else:
        name, schema_version, payload = registry.encode(event)
    fields = registry.personal_fields(name)
    stored = personal.seal_fields(payload, fields, subject, using=using) if fields else payload
    return name, schema_version, stored, event, payload


def _stream_head(cursor: Any, stream_id: str) -> tuple[int, str]:
    cursor.execute(
        "SELECT version, hash FROM eventstore_event WHERE stream_id = %s"
        " ORDER BY version DESC LIMIT 1",
        [stream_id],
    )
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def _is_version(expected: ExpectedVersion) -> bool:
    return isinstance(expected, int) and not isinstance(expected, bool) and expected >= 0


def _check_expected(stream_id: str, expected: ExpectedVersion, current: int) -> None:
    if expected == ANY:
        return
    if expected == NO_STREAM:
        if current != 0:
            raise ConcurrencyError(stream_id, NO_STREAM, current)
        return
    if not _is_version(expected):
        raise ValueError(
            f"expected_version must be a version number, NO_STREAM or ANY, not {expected!r}"
        )
    if expected != current:
        raise ConcurrencyError(stream_id, expected, current)


def _chain(
    stream_id: str,
    stream_type: str,
    current: int,
    previous_hash: str,
    encoded: list[tuple[str, int, dict[str, Any], Any, dict[str, Any]]],
    meta: dict[str, Any],
) -> list[dict[str, Any]]:
    recorded_at = clock.now()
    rows = []
    for offset, (event_type, schema_version, payload, *_) in enumerate(encoded, start=1):
        row = {
            "event_id": uuid.uuid4(),
            "stream_id": stream_id,
            "stream_type": stream_type,
            "version": current + offset,
            "event_type": event_type,
            "schema_version": schema_version,
            "payload": payload,
            "metadata": meta,
            "command_id": meta.get("command_id", ""),
            "correlation_id": meta.get("correlation_id", ""),
            "recorded_at": recorded_at,
        }
        row["hash"] = previous_hash = event_hash(
            previous_hash=previous_hash,
            event_id=str(row["event_id"]),
            stream_id=stream_id,
            stream_type=stream_type,
            version=row["version"],
            event_type=event_type,
            schema_version=schema_version,
            payload=payload,
            metadata=meta,
            recorded_at=recorded_at,
        )
        rows.append(row)
    return rows


def _insert(
    connection: Any,
    cursor: Any,
    rows: list[dict[str, Any]],
    using: str,
    predecessor: tuple[int, str] | None = None,
) -> tuple[list[int], list[int]] | None:
    """Insert the rows in one statement; None when another writer took one of their versions.

    Raw SQL rather than bulk_create: one round trip that leaves tx_id to the column's database
    default and hands back positions and transaction ids together. With a ``predecessor``
    (version, hash) a single row is inserted only if that event exists in the stream.
    """
    names = [name.strip() for name in _COLUMNS.split(",")]
    placeholder = "(" + ", ".join(["%s"] * len(names)) + ")"
    params = [_field_prep(name, row[name], connection) for row in rows for name in names]
    sql = f"INSERT INTO eventstore_event ({_COLUMNS}) VALUES " + ", ".join(
        [placeholder] * len(rows)
    )
    if predecessor is not None:
        # (SQLite needs the WHERE to read ON CONFLICT as the insert's, not the select's.)
        sql = (
            f"INSERT INTO eventstore_event ({_COLUMNS}) SELECT {placeholder[1:-1]}"
            " WHERE EXISTS (SELECT 1 FROM eventstore_event"
            " WHERE stream_id = %s AND version = %s AND hash = %s)"
        )
        params += [rows[0]["stream_id"], *predecessor]
    if len(rows) == 1:
        # One row is written whole or not at all, so a taken version can simply insert nothing:
        # no error, hence no savepoint (two round trips) to recover from one.
        cursor.execute(
            f"{sql} ON CONFLICT (stream_id, version) DO NOTHING RETURNING position, tx_id", params
        )
        returned = cursor.fetchall()
        if not returned:
            return None
    else:
        # Several rows: one statement is all or nothing, but inside a caller's transaction a
        # refused one would spoil it, so there a savepoint makes the batch vanish cleanly.
        scope = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
        try:
            with scope:
                cursor.execute(f"{sql} RETURNING position, tx_id", params)
                returned = sorted(cursor.fetchall())
        except IntegrityError:
            return None
    return [r[0] for r in returned], [r[1] for r in returned]


def _field_prep(name: str, value: Any, connection: Any) -> Any:
    return _field(name).get_db_prep_save(value, connection)


@cache
def _field(name: str) -> Field[Any, Any]:
    field = Event._meta.get_field(name)
    assert isinstance(field, Field)
    return field
