"""Snapshots: a disposable cache of a stream's state, so long streams load quickly.

A snapshot is only ever a shortcut. It is ignored when its schema version is not the one the
caller expects (the state's shape changed) and the stream is replayed in full instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

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
    row = Snapshot.objects.using(using).filter(stream_id=stream_id).first()
    if row is None or row.schema_version != schema_version:
        return None
    if max_version is not None and row.version > max_version:
        return None
    return StoredSnapshot(stream_id=row.stream_id, version=row.version, state=row.state)


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
