"""Snapshots: a disposable cache of a stream's state, so long streams load quickly.

A snapshot is only ever a shortcut. It is ignored when its schema version is not the one the
caller expects (the state's shape changed) and the stream is replayed in full instead.

Nor is it trusted as read: a snapshot is the one place where a forged row would change what a
command decides without touching an event (a unit price edited in the cached state would be
charged at checkout). So each snapshot records the hash of the event it was taken at and a MAC,
under the seal key (see eventstore.keys), over its stream, version, schema, canonical state and
that hash. It is used only when the MAC is valid and the stream's event at that version still
has that hash; otherwise it is reported (a warning in the log, and by ``verify_events``) and the
stream is replayed in full. Snapshots without a MAC (taken before this check) are never used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from eventstore import keys
from eventstore.codec import parse_json
from eventstore.models import Snapshot

logger = logging.getLogger(__name__)

# The snapshot and the hash of the event it claims to be taken at, in one indexed look-up.
_SELECT = (
    "SELECT s.stream_id, s.version, s.schema_version, s.state, s.event_hash, s.mac, e.hash"
    " FROM eventstore_snapshot s LEFT JOIN eventstore_event e"
    " ON e.stream_id = s.stream_id AND e.version = s.version"
)


@dataclass(frozen=True)
class StoredSnapshot:
    """A stream's state as of one version, with what binds it to the chain."""

    stream_id: str
    version: int
    state: dict[str, Any]
    schema_version: int = 0
    event_hash: str = ""
    mac: str = ""


def from_row(
    stream_id: str, version: int, schema_version: int, state: Any, event_hash: str, mac: str
) -> StoredSnapshot:
    """A snapshot row's columns as a StoredSnapshot, its state decoded from JSON text."""
    # Both backends hand the JSON column back as text (Django leaves decoding to the field).
    if isinstance(state, str | bytes):
        state = parse_json(state)
    return StoredSnapshot(stream_id, version, state, schema_version, event_hash, mac)


def snapshot_every() -> int:
    """How many events apart snapshots are taken (EVENTSTORE_SNAPSHOT_EVERY; 0 means never)."""
    return int(getattr(settings, "EVENTSTORE_SNAPSHOT_EVERY", 0))


def is_due(previous_version: int, new_version: int) -> bool:
    """Whether an append from ``previous_version`` to ``new_version`` crossed a snapshot point."""
    every = snapshot_every()
    return every > 0 and new_version // every > previous_version // every


def problem_with(snapshot: StoredSnapshot, chain_hash: str | None) -> str:
    """Why ``snapshot`` must not be used ("" when it may be).

    ``chain_hash`` is the hash the stream's event at the snapshot's version has now (None when
    there is no such event).
    """
    where = f"snapshot of {snapshot.stream_id} at version {snapshot.version}"
    if not snapshot.mac:
        return f"{where} carries no MAC (taken before snapshots were signed)"
    if not keys.is_signed(_message(snapshot), snapshot.mac):
        return f"{where}: its MAC does not match its content: the snapshot was altered"
    if chain_hash != snapshot.event_hash:
        return f"{where} was taken at an event the stream no longer holds"
    return ""


def checked(snapshot: StoredSnapshot, chain_hash: str | None) -> StoredSnapshot | None:
    """``snapshot`` when it passes its check; else None, with a warning naming the stream."""
    problem = problem_with(snapshot, chain_hash)
    if not problem:
        return snapshot
    logger.warning("snapshot not used, replaying %s in full: %s", snapshot.stream_id, problem)
    return None


def load_snapshot(
    stream_id: str,
    *,
    schema_version: int,
    max_version: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> StoredSnapshot | None:
    """The stream's snapshot if it has the expected schema, is not past ``max_version`` and
    passes its check (see problem_with); None otherwise."""
    # A plain cursor rather than the ORM: this runs before every load of a long cart, and
    # compiling the query cost more than the database took to answer it.
    with connections[using].cursor() as cursor:
        cursor.execute(f"{_SELECT} WHERE s.stream_id = %s", [stream_id])
        row = cursor.fetchone()
    if row is None or row[2] != schema_version:
        return None
    if max_version is not None and row[1] > max_version:
        return None
    return checked(from_row(*row[:6]), row[6])


def bad_snapshots(
    *, stream_id: str | None = None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[tuple[str, str]]:
    """(stream id, problem) for every stored snapshot (or only ``stream_id``'s) that fails."""
    where, params = (" WHERE s.stream_id = %s", [stream_id]) if stream_id else ("", [])
    connection = connections[using]
    with connection.cursor() if stream_id else connection.chunked_cursor() as cursor:
        cursor.execute(f"{_SELECT}{where} ORDER BY s.stream_id", params)
        while rows := cursor.fetchmany(500):
            for row in rows:
                problem = problem_with(from_row(*row[:6]), row[6])
                if problem:
                    yield row[0], problem


def save_snapshot(
    stream_id: str,
    *,
    version: int,
    state: dict[str, Any],
    schema_version: int,
    event_hash: str | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Store (or replace) the stream's signed snapshot; an older one never replaces a newer one.

    ``event_hash`` is the hash of the stream's event at ``version``, read from the stream when
    not given. Raises ValueError when the stream has no event at ``version``.
    """
    if event_hash is None:
        event_hash = _hash_at(stream_id, version, using)
    unsigned = StoredSnapshot(stream_id, version, state, schema_version, event_hash)
    fields = {"version": version, "state": state, "schema_version": schema_version}
    fields |= {"event_hash": event_hash, "mac": keys.sign(_message(unsigned))}
    updated = (
        Snapshot.objects.using(using)
        .filter(stream_id=stream_id, version__lt=version)
        .update(**fields)
    )
    if not updated:
        Snapshot.objects.using(using).get_or_create(stream_id=stream_id, defaults=fields)


def _message(snapshot: StoredSnapshot) -> bytes:
    # msgspec's sorted encoding is one canonical form of the state, whatever order the
    # database (PostgreSQL's jsonb reorders keys) hands the keys back in.
    return msgspec.json.encode(
        [
            snapshot.stream_id,
            snapshot.version,
            snapshot.schema_version,
            snapshot.state,
            snapshot.event_hash,
        ],
        order="sorted",
    )


def _hash_at(stream_id: str, version: int, using: str) -> str:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT hash FROM eventstore_event WHERE stream_id = %s AND version = %s",
            [stream_id, version],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValueError(f"stream {stream_id} has no event at version {version} to snapshot")
    return str(row[0])
