"""At most one runner per projection (and per rebuild) at a time, across processes and hosts."""

from __future__ import annotations

import zlib

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

# The first half of PostgreSQL's two-key advisory locks, so that our keys cannot collide with
# advisory locks other code takes on the same database.
_NAMESPACE = 0x50524A4E  # "PRJN"
WAIT_SECONDS = 30


def hold(key: str, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Wait for the runner lock ``key`` and hold it until the current transaction ends.

    On PostgreSQL the runner's transaction also plans every query afresh (see below).

    Raises RuntimeError outside a transaction; on PostgreSQL, OperationalError when another
    runner held the lock for more than WAIT_SECONDS.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("a runner lock lives as long as a transaction: open one first")
    if connection.vendor == "postgresql":
        # A transaction-level advisory lock is released by COMMIT, ROLLBACK or a dropped
        # connection, so a killed worker can never leave a projection locked. Runners wait
        # (rather than try and give up) because a catch-up enqueued for a new event must not be
        # dropped while an earlier runner is finishing a batch that did not yet contain it.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, _key(key)])
            # A runner's tables change size fast (a rebuild fills a generation from nothing),
            # and a prepared statement's generic plan, once cached while a table was empty,
            # would go on scanning it whole: plan each query for the table as it is now.
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    elif connection.vendor == "sqlite":
        # SQLite has no advisory locks, but it lets one writer in at a time, and settings open
        # every transaction with BEGIN IMMEDIATE, which takes that write lock at once. A runner
        # reads its checkpoint inside such a transaction, so no other runner can be between
        # reading and writing the same checkpoint. In DEFERRED mode two runners could both read
        # it and one would fail to write ("database is locked"), so we refuse to run that way.
        mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
        if mode != "IMMEDIATE":
            raise ImproperlyConfigured(
                "projections on SQLite need OPTIONS transaction_mode='IMMEDIATE' (config/settings)"
            )
    else:
        raise ImproperlyConfigured(f"no projection runner lock for {connection.vendor}")


def _key(key: str) -> int:
    # crc32 is stable across processes (unlike hash()); shift it into PostgreSQL's signed int4.
    value = zlib.crc32(key.encode())
    return value - 2**32 if value >= 2**31 else value
