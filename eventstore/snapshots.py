"""Snapshots: a disposable cache of a stream's state, so long streams load quickly.

A snapshot is only ever a shortcut. It is ignored when its schema version is not the one the
caller expects (the state's shape changed) and the stream is replayed in full instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.models import Snapshot


@dataclass(frozen=True)
class StoredSnapshot:
    """A stream's state as of one version."""

    stream_id: str
    version: int
    state: dict[str, Any]


def snapshot_every() -> int:
    """How many events apart snapshots are taken (EVENTSTORE_SNAPSHOT_EVERY; 0 means never)."""
    return int(getattr(settings, "EVENTSTORE_SNAPSHOT_EVERY", 0))


def is_due(previous_version: int, new_version: int) -> bool:
    """Whether an append from ``previous_version`` to ``new_version`` crossed a snapshot point."""
    every = snapshot_every()
    return every > 0 and new_version // every > previous_version // every


def load_snapshot(
    stream_id: str,
    *,
    schema_version: int,
    max_version: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> StoredSnapshot | None:
    """The stream's snapshot if it has the expected schema (and is not past ``max_version``)."""
    # A plain cursor rather than the ORM: this runs before every command on every cart, and
    # compiling the query cost more than the database took to answer it.
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT version, schema_version, state FROM eventstore_snapshot WHERE stream_id = %s",
            [stream_id],
        )
        row = cursor.fetchone()
    if row is None or row[1] != schema_version:
        return None
    version, _, state = row
    if max_version is not None and version > max_version:
        return None
    # Both backends hand the JSON column back as text (Django leaves decoding to the field).
    return StoredSnapshot(
        stream_id=stream_id,
        version=version,
        state=json.loads(state) if isinstance(state, str) else state,
    )


def save_snapshot(
    stream_id: str,
    *,
    version: int,
    state: dict[str, Any],
    schema_version: int,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Store (or replace) the stream's snapshot; an older one never replaces a newer one."""
    updated = (
        Snapshot.objects.using(using)
        .filter(stream_id=stream_id, version__lt=version)
        .update(version=version, state=state, schema_version=schema_version)
    )
    if not updated:
        Snapshot.objects.using(using).get_or_create(
            stream_id=stream_id,
            defaults={"version": version, "state": state, "schema_version": schema_version},
        )
