"""Database triggers that make the event store's tables append-only.

Installed by migrations on PostgreSQL and SQLite, on the events and on the audit records kept
beside them (seals, their per-stream heads, recorded breaches). The ORM refuses changes too,
but only the database can stop raw SQL, another client or a future bug; this is the guard an
auditor relies on. The hash chain (:mod:`eventstore.hashing`) and the seals
(:mod:`eventstore.seals`) catch whatever gets past it (a superuser who drops the triggers, or a
file edited on disk).

The triggers themselves differ per database; each backend module (eventstore.backends) writes
its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

from eventstore.backends import backend_for

TABLE = "eventstore_event"
# Every append-only table, the events first (migration 0002 guards only those).
GUARDED = (TABLE, "eventstore_seal", "eventstore_sealedstream", "eventstore_breach")


def install(connection: BaseDatabaseWrapper, tables: Sequence[str] = GUARDED) -> None:
    """Install the triggers that refuse UPDATE, DELETE (and TRUNCATE) of rows of ``tables``.

    Raises ImproperlyConfigured for a database without an event store backend.
    """
    with connection.cursor() as cursor:
        for sql in backend_for(connection).guard_statements(tables):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper, tables: Sequence[str] = GUARDED) -> None:
    """Remove the triggers: only for the schema's owner, in migrations and test clean-up."""
    with connection.cursor() as cursor:
        for sql in backend_for(connection).unguard_statements(tables):
            cursor.execute(sql)
