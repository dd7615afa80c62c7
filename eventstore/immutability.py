"""Database triggers that make the event table append-only.

Installed by a migration on PostgreSQL and SQLite. The ORM refuses changes too, but only the
database can stop raw SQL, another client or a future bug; this is the guard an auditor relies on.
The hash chain (:mod:`eventstore.hashing`) catches whatever gets past it (a superuser who drops
the triggers, or a file edited on disk).
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "eventstore_event"

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation',
                  HINT = 'append a new event that corrects the old one instead';
    END
    $$;
    """,
    f"""CREATE TRIGGER eventstore_event_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();""",
    f"""CREATE TRIGGER eventstore_event_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();""",
]
_POSTGRES_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS eventstore_event_no_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS eventstore_event_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS eventstore_refuse_change();",
]
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS eventstore_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS eventstore_event_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: DELETE refused'); END;""",
]
_SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS eventstore_event_no_update;",
    "DROP TRIGGER IF EXISTS eventstore_event_no_delete;",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_UNINSTALL
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_UNINSTALL
    raise NotImplementedError(f"no immutability triggers for the {connection.vendor} backend")


def install(connection: BaseDatabaseWrapper) -> None:
    """Install the triggers that refuse UPDATE, DELETE (and TRUNCATE) of events."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=True):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers: only for the schema's owner, in migrations and test clean-up."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, install=False):
            cursor.execute(sql)
