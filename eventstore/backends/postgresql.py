"""PostgreSQL: the gap-free global log by transaction ids, advisory locks, JSON batch upserts.

Everything the event store and the projections do differently on PostgreSQL, behind the seam in
:mod:`eventstore.backends`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, Final

import msgspec
from django.db.models import Field, Model

from eventstore.rows import SELECT_EVENTS

vendor: Final = "postgresql"

# Positions come from a sequence, so they are handed out at insert time, not at commit: a
# transaction that took position 10 may commit after one that took 11. Reading by position
# alone would then skip 10 for good. Instead each row records the id of its writing
# transaction, and we return only rows of transactions below a horizon: the oldest transaction
# still running in this database (from our snapshot), or the snapshot's xmax when none is.
# Every transaction below it has finished, so none of its rows can still appear; ordering by
# (transaction, position) is then a total order that only ever grows at the end. Writers take
# no lock beyond their own rows; a reader merely waits for the oldest running writer to finish.
#
# Transactions of other databases on the same server cannot write here, so they are left out of
# the horizon (else a long report in another database would stall every reader); so are
# autovacuum workers, whose ANALYZE takes a transaction id but never writes an event. Only those
# positively placed elsewhere are left out: one that cannot be placed (its lock or backend not
# seen yet) holds the horizon back, which only delays.
#
# The reader's own transaction is never in its snapshot's list of running ones, and the horizon
# reaches it (own = h) only when every older transaction has finished. Its own rows are then
# settled from its point of view, so they are returned: a projection may read what the same
# transaction appended, and if that transaction rolls back, the checkpoint it stored rolls back
# with it.
#
# Which database a running transaction belongs to is read from the locks every transaction (and
# each of its subtransactions) holds on its own id, joined to its backend: pg_stat_activity alone
# shows only a backend's top-level id. And since PostgreSQL 14 a snapshot's xmax is "the newest
# finished transaction + 1", so transactions that began after it are running yet not in its
# list: those below our own id are enumerated too (they are few: all are still running), so that
# one of another database does not hold back our own rows.
_HORIZON = (
    "WITH snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s,"
    "  pg_current_xact_id_if_assigned()::text::bigint AS own),"
    " elsewhere AS MATERIALIZED (SELECT l.transactionid AS x FROM pg_locks l"
    "  JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'transactionid'"
    "  AND l.mode = 'ExclusiveLock' AND l.granted"
    "  AND (a.datname IS DISTINCT FROM current_database()"
    "  OR a.backend_type = 'autovacuum worker')),"
    " running AS MATERIALIZED ("
    "  SELECT x::text::bigint AS x FROM snapshot, pg_snapshot_xip(snapshot.s) AS x"
    "  UNION ALL SELECT g FROM snapshot, generate_series("
    "   pg_snapshot_xmax(snapshot.s)::text::bigint, snapshot.own - 1) AS g),"
    " horizon AS MATERIALIZED (SELECT COALESCE("
    "  (SELECT min(r.x) FROM running r WHERE NOT EXISTS"
    "   (SELECT 1 FROM elsewhere e WHERE e.x = r.x::text::xid8::xid)),"
    "  (SELECT GREATEST(pg_snapshot_xmax(s)::text::bigint, own) FROM snapshot)) AS h,"
    "  (SELECT own FROM snapshot) AS own)"
)
# The rows below the horizon, the reader's own among them once it has reached it (see above):
# what read_all may hand out. A condition on tx_id alone, for the (tx_id, position) index.
_BELOW_HORIZON = "tx_id < (SELECT CASE WHEN own = h THEN h + 1 ELSE h END FROM horizon)"
_LOG_PAGE = (
    f"{_HORIZON} {SELECT_EVENTS} WHERE (tx_id, position) > (%s, %s)"
    f" AND {_BELOW_HORIZON}"
    " {partition} ORDER BY tx_id, position LIMIT %s"
)
# The last row a page can hand out now: the greatest (tx_id, position) below the same horizon,
# read backwards along the (tx_id, position) index.
_READABLE_HEAD = (
    f"{_HORIZON} SELECT tx_id, position FROM eventstore_event WHERE {_BELOW_HORIZON}"
    " ORDER BY tx_id DESC, position DESC LIMIT 1"
)
# eventstore.partitions.stream_hash in SQL: MD5's first 32 bits; bit(32) casts to bigint
# unsigned, as Python's int(hex, 16) reads them.
STREAM_HASH = "('x' || substr(md5({column}), 1, 8))::bit(32)::bigint"
# "hash % size = member", written as a distance below 1: the planner guesses that an equality on
# an expression keeps 0.5% of the rows, and so sorted every event after the checkpoint for each
# page (150 ms a page at 300,000 events, growing with the log: B9 at 1,000,000 ran at a tenth of
# its speed at 35,000); an inequality it guesses at a third, and reads the log in index order
# until the page is full (7 ms).
_PARTITION = f"AND abs({STREAM_HASH.format(column='stream_id')} %% %s - %s) < 1"

_REFUSE_CHANGE = """
    CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation',
                  HINT = 'append a new row that corrects the old one instead';
    END
    $$;
"""

# The first half of PostgreSQL's two-key advisory locks, so that our keys cannot collide with
# advisory locks other code takes on the same database.
_LOCK_NAMESPACE = 0x50524A4E  # "PRJN"


def prepare_connection(driver_connection: Any) -> None:
    """Nothing to do: md5() and the bit casts the stream hash needs are built in."""


def prepare_reader(cursor: Any) -> None:
    """Let the cursor load timestamps with psycopg's own loader, written in C.

    Django registers a loader written in Python that loads the time and then sets its zone to
    the connection's; on a page of the log it took a sixth of the read. Django also sets the
    session's TimeZone to that same zone, and psycopg's loader returns times in the session's
    zone, so the datetimes are the same (UTC comes back as datetime.UTC either way).
    """
    import psycopg

    driver_cursor = cursor.cursor
    if not isinstance(driver_cursor, psycopg.Cursor):
        return  # psycopg2, whose loader is in C already
    oid = psycopg.postgres.types["timestamptz"].oid
    loader = psycopg.adapters.get_loader(oid, psycopg.pq.Format.TEXT)
    if loader is not None:
        driver_cursor.adapters.register_loader(oid, loader)


def select_log_page(
    cursor: Any, tx_id: int, position: int, limit: int, partition: tuple[int, int] | None = None
) -> None:
    """Run the horizon-bounded page query of the global log (see _LOG_PAGE) on ``cursor``,
    only of the streams in ``partition`` (member, size) when given."""
    _see_activity_afresh(cursor)
    if partition is None:
        cursor.execute(_LOG_PAGE.format(partition=""), [tx_id, position, limit])
        return
    member, size = partition
    query = _LOG_PAGE.format(partition=_PARTITION)
    cursor.execute(query, [tx_id, position, size, member, limit])


def select_readable_head(cursor: Any) -> None:
    """Run, on ``cursor``, the query for the (tx_id, position) of the last event read_all can
    hand out now: the greatest below the horizon (see _LOG_PAGE); no row when there is none."""
    _see_activity_afresh(cursor)
    cursor.execute(_READABLE_HEAD)


def _see_activity_afresh(cursor: Any) -> None:
    if cursor.db.in_atomic_block:
        # pg_stat_activity is read once per transaction and then served from a cached copy:
        # inside a long transaction (a projection batch, a test) a transaction of another
        # database begun since would not be seen as "elsewhere" and would hold the horizon
        # back for nothing. Dropping the cached copy first makes every read look afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")


def guard_statements(tables: Sequence[str]) -> list[str]:
    """One trigger function, then per table a row trigger (UPDATE, DELETE) and a TRUNCATE one."""
    statements = [_REFUSE_CHANGE]
    for table in tables:
        statements += [
            f"""CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION eventstore_refuse_change();""",
        ]
    return statements


def unguard_statements(tables: Sequence[str]) -> list[str]:
    """Drop the triggers; the function stays, for the tables still guarded."""
    return [
        sql
        for table in tables
        for sql in (
            f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        )
    ]


def hold_runner_lock(connection: Any, key: str, wait_seconds: int) -> None:
    """A transaction-level advisory lock on ``key``; the transaction also plans afresh."""
    # A transaction-level advisory lock is released by COMMIT, ROLLBACK or a dropped
    # connection, so a killed worker can never leave a projection locked. Runners wait (rather
    # than try and give up) because a catch-up enqueued for a new event must not be dropped
    # while an earlier runner is finishing a batch that did not yet contain it.
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{int(wait_seconds)}s'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, _lock_key(key)])
        # A runner's tables change size fast (a rebuild fills a generation from nothing), and a
        # prepared statement's generic plan, once cached while a table was empty, would go on
        # scanning it whole: plan each query for the table as it is now.
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def commit_without_waiting_for_disk(connection: Any) -> None:
    """SET LOCAL synchronous_commit = off: the commit returns before its WAL is flushed."""
    # The transaction stays atomic and isolated; only a crash of the server within a fraction
    # of a second (about three wal_writer_delay) can lose it, never half of it.
    if not connection.in_atomic_block:
        raise RuntimeError("only a transaction's commit can be relaxed: open one first")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def upsert(
    connection: Any,
    *,
    table: str,
    fields: Sequence[Field[Any, Any]],
    rows: Sequence[Model],
    on_conflict: str,
) -> None:
    """All rows as one JSON parameter that PostgreSQL turns into rows of the table's own type."""
    # Preparing and quoting every value in Python (as VALUES or executemany do) cost more than
    # the database's work; this is about three times faster.
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns}"
            f" FROM json_populate_recordset(NULL::{table}, %s){on_conflict}",
            [_as_json(fields, rows)],
        )


# The oldest transaction of this database that other sessions can see running: it has a
# transaction id (it wrote, so the log's readers stop below it) or a snapshot (it holds back
# vacuum). Only client backends: autovacuum is left out of the log's horizon too, and a parallel
# worker only repeats its leader. Other databases' sessions cannot hold this log back. No query
# text: it may carry personal data. A role without pg_read_all_stats sees other roles' sessions
# without their transaction ids, so those are not found (README, "Long transactions").
_OLDEST_TRANSACTION = (
    "SELECT pid, COALESCE(state, '') AS state, COALESCE(application_name, '') AS application_name,"
    " EXTRACT(EPOCH FROM clock_timestamp() - xact_start)::float8 AS age_seconds,"
    " xact_start AS started_at, query_start AS query_started_at,"
    " backend_xid IS NOT NULL AS holds_log_back"
    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND xact_start IS NOT NULL"
    " AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)"
    " ORDER BY xact_start LIMIT 1"
)


def oldest_open_transaction(cursor: Any) -> dict[str, Any] | None:
    """The oldest open transaction of this database but the caller's (see _OLDEST_TRANSACTION)."""
    # pg_stat_activity is read once per transaction and then served from a cached copy: drop it,
    # so that a caller inside a transaction sees the sessions as they are now.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(_OLDEST_TRANSACTION)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in cursor.description], row, strict=True))


def log_ahead_of_server(cursor: Any) -> tuple[int, int] | None:
    """The newest event's transaction id and the server's next one, when the first is not below
    the second (a log restored into a server whose counter is behind the one that wrote it)."""
    # Every event this statement can see was written by a finished transaction, below the
    # snapshot's xmax, or by the caller's own (a test's, a command's), below its id + 1.
    cursor.execute(
        "SELECT (SELECT max(tx_id) FROM eventstore_event),"
        " GREATEST(pg_snapshot_xmax(pg_current_snapshot())::text::bigint,"
        "  pg_current_xact_id_if_assigned()::text::bigint + 1)"
    )
    newest, following = cursor.fetchone()
    return (newest, following) if newest is not None and newest >= following else None


def _lock_key(key: str) -> int:
    # crc32 is stable across processes (unlike hash()); shift it into PostgreSQL's signed int4.
    value = zlib.crc32(key.encode())
    return value - 2**32 if value >= 2**31 else value


def _as_json(fields: Sequence[Field[Any, Any]], rows: Sequence[Model]) -> str:
    # msgspec writes datetimes, dates, decimals and UUIDs as text in forms PostgreSQL reads for
    # the column (ISO 8601 with full microseconds, exact decimals), several times faster than
    # json.dumps with a default hook; anything else is refused with a TypeError.
    names = [(f.column, f.attname) for f in fields]
    return msgspec.json.encode(
        [{column: getattr(row, name) for column, name in names} for row in rows]
    ).decode()
