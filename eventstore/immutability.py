"""Database triggers that make the event store's tables append-only.

Installed by migrations on PostgreSQL and SQLite, on the events and on the audit records kept
beside them (seals, their per-stream heads, recorded breaches). The ORM refuses changes too,
but only the database can stop raw SQL, another client or a future bug; this is the guard an
auditor relies on. The hash chain (:mod:`eventstore.hashing`) and the seals
(:mod:`eventstore.seals`) catch whatever gets past it (a superuser who drops the triggers, or a
file edited on disk).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "eventstore_event"
# Every append-only table, the events first (migration 0002 guards only those).
GUARDED = (TABLE, "eventstore_seal", "eventstore_sealedstream", "eventstore_breach")

_POSTGRES_FUNCTION = """
    CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation',
                  HINT = 'append a new row that corrects the old one instead';
    END
    $$;
"""


def _postgres_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();""",
    ]


def _postgres_uninstall(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;""",
    ]


def _sqlite_uninstall(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


def _statements(
    connection: BaseDatabaseWrapper, tables: Sequence[str], *, install: bool
) -> list[str]:
    if connection.vendor == "postgresql":
        each = _postgres_install if install else _postgres_uninstall
        head = [_POSTGRES_FUNCTION] if install else []
        return head + [sql for table in tables for sql in each(table)]
    if connection.vendor == "sqlite":
        each = _sqlite_install if install else _sqlite_uninstall
        return [sql for table in tables for sql in each(table)]
    raise NotImplementedError(f"no immutability triggers for the {connection.vendor} backend")


def install(connection: BaseDatabaseWrapper, tables: Sequence[str] = GUARDED) -> None:
    """Install the triggers that refuse UPDATE, DELETE (and TRUNCATE) of rows of ``tables``."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, tables, install=True):
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper, tables: Sequence[str] = GUARDED) -> None:
    """Remove the triggers: only for the schema's owner, in migrations and test clean-up."""
    with connection.cursor() as cursor:
        for sql in _statements(connection, tables, install=False):
            cursor.execute(sql)
