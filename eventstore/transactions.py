"""The oldest transaction open in this database: the one that holds the global log's readers back;
and a log whose order is ahead of the database's transaction counter (LogAhead).

On PostgreSQL the gap-free reader (see eventstore.backends.postgresql) returns no event
committed after the oldest running writer began, so one transaction left open (a session idle in
a transaction, a long bulk write, a stuck migration) holds every projection, webhook, seal and
the relay back until it ends. This names it for the projections dashboard and ``manage.py
projections status``: which session (pid), what it is doing, for how long. Never its query
text, which may carry personal data. SQLite lets one writer in at a time: nothing to name there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.backends import backend_for


@dataclass(frozen=True)
class OpenTransaction:
    """One session's open transaction, as pg_stat_activity shows it (times are the server's)."""

    pid: int
    state: str  # "idle in transaction", "active", "idle in transaction (aborted)", ...
    application_name: str
    age_seconds: float
    started_at: datetime
    query_started_at: datetime | None
    # It has a transaction id: events committed after it began stay unreadable until it ends.
    # Without one it only holds a snapshot, which holds back vacuum but not the log's readers.
    holds_log_back: bool

    @property
    def too_old(self) -> bool:
        """Open longer than EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS: worth a warning."""
        return self.age_seconds > settings.EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS

    def describe(self) -> str:
        """One line for people: pid, application, state and age, and what it holds back."""
        application = f" ({self.application_name})" if self.application_name else ""
        holds = (
            "projections, webhooks and the relay wait for it"
            if self.holds_log_back
            else "it holds a snapshot only (vacuum waits, the log's readers do not)"
        )
        return (
            f"pid {self.pid}{application}, {self.state or 'state unknown'},"
            f" open for {self.age_seconds:.0f} s: {holds}"
        )


def oldest_open_transaction(*, using: str = DEFAULT_DB_ALIAS) -> OpenTransaction | None:
    """The oldest transaction another session holds open in this database, or None.

    None on SQLite, and when no other session of this database is inside a transaction (or
    none the database role may see: without pg_read_all_stats, only its own role's sessions).
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        found = backend_for(connection).oldest_open_transaction(cursor)
    return OpenTransaction(**found) if found is not None else None


@dataclass(frozen=True)
class LogAhead:
    """The log's order is ahead of the database's transaction counter: events are ordered by
    their writing transaction's id (see eventstore.backends.postgresql), and a server that
    counts from below the newest one treats the history as not yet committed and sorts new
    events before it. Only restoring a dump into another server does this."""

    newest_tx_id: int
    next_tx_id: int

    def __str__(self) -> str:
        return (
            f"the newest event's transaction id ({self.newest_tx_id}) is not below this"
            f" server's next one ({self.next_tx_id}): the log was restored into another server,"
            " so readers see none of it and new events sort before it; move the server's"
            " counter past it with pg_resetwal (README, Operating it: Restoring)"
        )


def log_ahead_of_server(*, using: str = DEFAULT_DB_ALIAS) -> LogAhead | None:
    """A LogAhead when the log's newest transaction id is not below the database's next one;
    None when the order is sound (always on SQLite). Two cheap lookups (an index's end)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        found = backend_for(connection).log_ahead_of_server(cursor)
    return LogAhead(*found) if found is not None else None
