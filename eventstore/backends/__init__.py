"""The one seam between the event store and its database: what differs per backend, and no more.

Everything else in the event store (and in the projections, which use the same database
capabilities) is written once, in SQL both backends speak. What they do not share lives in one
module per backend, :mod:`eventstore.backends.postgresql` and :mod:`eventstore.backends.sqlite`,
each providing every operation of :class:`Backend`; :func:`backend_for` picks one by the
connection's vendor. Adding a database means adding a module here, not a branch in every caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from eventstore.backends import postgresql, sqlite


class Backend(Protocol):
    """The operations the event store and the projections need done differently per database."""

    @property
    def vendor(self) -> str:
        """Django's name for the database (``connection.vendor``)."""

    def prepare_connection(self, driver_connection: Any) -> None:
        """Set up a newly opened driver connection (functions the SQL here relies on)."""

    def prepare_reader(self, cursor: Any) -> None:
        """Make ``cursor`` (a Django cursor) load event rows as fast as the driver can."""

    STREAM_HASH: str
    """SQL computing eventstore.partitions.stream_hash of ``{column}`` (str.format it)."""

    def select_log_page(
        self,
        cursor: Any,
        tx_id: int,
        position: int,
        limit: int,
        partition: tuple[int, int] | None = None,
    ) -> None:
        """Run, on ``cursor``, the query for at most ``limit`` rows of SELECT_EVENTS after the
        checkpoint (``tx_id``, ``position``), in commit order and never skipping a committed row;
        only rows of streams in ``partition`` (member, size: hash modulo size is member).
        """

    def select_readable_head(self, cursor: Any) -> None:
        """Run, on ``cursor``, the query for the last event select_log_page can hand out now,
        as one row (tx_id, position), or no row when it can hand out none. Bounded as the log
        page is, so a reader starting just after it misses no event committed later.
        """

    def guard_statements(self, tables: Sequence[str]) -> list[str]:
        """The DDL that makes ``tables`` refuse UPDATE and DELETE (and TRUNCATE where it can)."""

    def unguard_statements(self, tables: Sequence[str]) -> list[str]:
        """The DDL that removes what guard_statements installed."""

    def hold_runner_lock(self, connection: Any, key: str, wait_seconds: int) -> None:
        """Hold the lock ``key`` until the current transaction ends, waiting up to
        ``wait_seconds`` for another holder. Raises ImproperlyConfigured when the database is
        not set up to give one runner at a time, OperationalError when the wait ran out.
        """

    def commit_without_waiting_for_disk(self, connection: Any) -> None:
        """Let the current transaction's commit return before it is on disk, for writes that
        may be lost to a crash of the database and simply be made again (a checkpoint that
        falls back re-delivers, never skips). Raises RuntimeError outside a transaction."""

    def oldest_open_transaction(self, cursor: Any) -> dict[str, Any] | None:
        """The oldest transaction another session of this database holds open, as the fields of
        eventstore.transactions.OpenTransaction; None when there is none, or the database has no
        open transactions that could hold the log's readers back."""

    def log_ahead_of_server(self, cursor: Any) -> tuple[int, int] | None:
        """(newest event's transaction id, the database's next one) when the log's order is
        ahead of the database's transaction counter, which only a restore into another server
        does; None when sound, or when the database orders the log otherwise."""

    def upsert(
        self,
        connection: Any,
        *,
        table: str,
        fields: Sequence[Field[Any, Any]],
        rows: Sequence[Model],
        on_conflict: str,
    ) -> None:
        """Insert ``rows`` (their ``fields``, in order) into the quoted ``table`` in one
        statement, ending with the ``on_conflict`` clause (ON CONFLICT ... DO UPDATE ...).
        """


_BACKENDS: dict[str, Backend] = {
    postgresql.vendor: postgresql,
    sqlite.vendor: sqlite,
}


def prepare_connection(connection: BaseDatabaseWrapper) -> None:
    """Set up a newly opened connection as its backend needs (nothing for other vendors, which
    backend_for refuses when the event store is used)."""
    backend = _BACKENDS.get(connection.vendor)
    if backend is not None:
        backend.prepare_connection(connection.connection)


def backend_for(connection: BaseDatabaseWrapper) -> Backend:
    """The backend module's operations for ``connection``'s database.

    Raises ImproperlyConfigured, naming the vendor, for a database other than PostgreSQL or
    SQLite.
    """
    backend = _BACKENDS.get(connection.vendor)
    if backend is None:
        raise ImproperlyConfigured(
            f"the event store has no backend for {connection.vendor!r} databases:"
            f" use one of {', '.join(sorted(_BACKENDS))} (DATABASE_URL)"
        )
    return backend
