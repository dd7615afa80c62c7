"""SQLite: one writer at a time, so commit order is position order and locks come for free.

Everything the event store and the projections do differently on SQLite, behind the seam in
:mod:`eventstore.backends`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Field, Model

from eventstore.partitions import SQLITE_FUNCTION, register_sqlite_function
from eventstore.rows import SELECT_EVENTS

vendor: Final = "sqlite"

# SQLite lets one writer in at a time and positions are taken under that lock, so position
# order is commit order.
_LOG_PAGE = (
    f"{SELECT_EVENTS} WHERE (tx_id, position) > (%s, %s) {{partition}}"
    " ORDER BY tx_id, position LIMIT %s"
)
# Every committed event is readable, so the last one readable is the newest.
_READABLE_HEAD = (
    "SELECT tx_id, position FROM eventstore_event ORDER BY tx_id DESC, position DESC LIMIT 1"
)
# eventstore.partitions.stream_hash, registered on every connection (eventstore.apps).
STREAM_HASH = SQLITE_FUNCTION + "({column})"
_PARTITION = f"AND {STREAM_HASH.format(column='stream_id')} %% %s = %s"


def prepare_connection(driver_connection: Any) -> None:
    """Register eventstore.partitions' stream hash, which SQLite cannot compute in SQL."""
    register_sqlite_function(driver_connection)


def prepare_reader(cursor: Any) -> None:
    """Nothing to do: sqlite3 hands rows back as plain values already."""


def select_log_page(
    cursor: Any, tx_id: int, position: int, limit: int, partition: tuple[int, int] | None = None
) -> None:
    """Run the page query of the global log, in position order (see _LOG_PAGE), on ``cursor``,
    only of the streams in ``partition`` (member, size) when given."""
    if partition is None:
        cursor.execute(_LOG_PAGE.format(partition=""), [tx_id, position, limit])
        return
    member, size = partition
    cursor.execute(_LOG_PAGE.format(partition=_PARTITION), [tx_id, position, size, member, limit])


def select_readable_head(cursor: Any) -> None:
    """Run, on ``cursor``, the query for the (tx_id, position) of the newest event (the last one
    read_all can hand out, see _LOG_PAGE); no row when the log is empty."""
    cursor.execute(_READABLE_HEAD)


def guard_statements(tables: Sequence[str]) -> list[str]:
    """Per table a trigger that aborts UPDATE and one that aborts DELETE (no TRUNCATE here)."""
    return [
        sql
        for table in tables
        for sql in (
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;""",
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;""",
        )
    ]


def unguard_statements(tables: Sequence[str]) -> list[str]:
    """Drop the triggers guard_statements created."""
    return [
        sql
        for table in tables
        for sql in (
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        )
    ]


def hold_runner_lock(connection: Any, key: str, wait_seconds: int) -> None:
    """Nothing to take: the transaction holds SQLite's one write lock already (see below).

    Raises ImproperlyConfigured unless transactions begin IMMEDIATE.
    """
    # SQLite has no advisory locks, but it lets one writer in at a time, and settings open
    # every transaction with BEGIN IMMEDIATE, which takes that write lock at once. A runner
    # reads its checkpoint inside such a transaction, so no other runner can be between
    # reading and writing the same checkpoint. In DEFERRED mode two runners could both read it
    # and one would fail to write ("database is locked"), so we refuse to run that way.
    mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
    if mode != "IMMEDIATE":
        raise ImproperlyConfigured(
            "projections on SQLite need OPTIONS transaction_mode='IMMEDIATE' (config/settings)"
        )


def commit_without_waiting_for_disk(connection: Any) -> None:
    """Nothing to do: settings run SQLite in WAL mode with synchronous=NORMAL, whose commits
    already return before the disk has them."""
    if not connection.in_atomic_block:
        raise RuntimeError("only a transaction's commit can be relaxed: open one first")


def oldest_open_transaction(cursor: Any) -> dict[str, Any] | None:
    """None: SQLite lets one writer in at a time, so no open transaction holds readers back."""
    return None


def log_ahead_of_server(cursor: Any) -> tuple[int, int] | None:
    """None: SQLite orders the log by position alone (every tx_id is 0), and the file carries it."""
    return None


def upsert(
    connection: Any,
    *,
    table: str,
    fields: Sequence[Field[Any, Any]],
    rows: Sequence[Model],
    on_conflict: str,
) -> None:
    """One prepared statement run for every row: SQLite runs executemany in C."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    prepare = [(f.attname, f.get_db_prep_save) for f in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}){on_conflict}",
            [[prep(getattr(row, name), connection) for name, prep in prepare] for row in rows],
        )
