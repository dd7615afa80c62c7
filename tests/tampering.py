"""What a database superuser can do once they lift the append-only triggers.

Each helper runs inside the test's transaction, which rolls the tampering (and the lifted
triggers: DDL is transactional on both backends) back afterwards.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from eventstore import immutability
from eventstore.hashing import GENESIS
from eventstore.rows import SELECT_EVENTS, stored_row
from eventstore.verify import row_hash


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
        previous = row_hash(row, previous)
        tamper(
            "UPDATE eventstore_event SET hash = %s WHERE position = %s", [previous, row.position]
        )
