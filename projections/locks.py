"""At most one runner per projection (and per rebuild) at a time, across processes and hosts.

How the lock is held is the database's affair (an advisory lock on PostgreSQL, SQLite's one
write lock): see hold_runner_lock in eventstore.backends.postgresql and .sqlite.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.backends import backend_for

WAIT_SECONDS = 30


def hold(key: str, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Wait for the runner lock ``key`` and hold it until the current transaction ends.

    On PostgreSQL the runner's transaction also plans every query afresh (see the backend).

    Raises RuntimeError outside a transaction; ImproperlyConfigured on a database that cannot
    give one runner at a time (SQLite without IMMEDIATE transactions, or another vendor); on
    PostgreSQL, OperationalError when another runner held the lock for more than WAIT_SECONDS.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("a runner lock lives as long as a transaction: open one first")
    backend_for(connection).hold_runner_lock(connection, key, WAIT_SECONDS)
