"""What a database superuser can do once they lift the append-only triggers.

Each helper runs inside the test's transaction, which rolls the tampering (and the lifted
triggers: DDL is transactional on both backends) back afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from eventstore import immutability
from eventstore.hashing import GENESIS, event_hash
from eventstore.rows import SELECT_EVENTS, stored_row


def tamper(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    """Lift every guard and run ``sql``, as an attacker with the owner's rights could."""
    immutability.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def recompute_chain(stream_id: str) -> None:
    """Rewrite the stream's hashes so that its chain verifies again after an edit."""
    with connection.cursor() as cursor:
        cursor.execute(f"{SELECT_EVENTS} WHERE stream_id = %s ORDER BY version", [stream_id])
        rows = [stored_row(raw) for raw in cursor.fetchall()]
    previous = GENESIS
    for row in rows:
        previous = event_hash(
            previous_hash=previous,
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
        tamper(
            "UPDATE eventstore_event SET hash = %s WHERE position = %s", [previous, row.position]
        )
