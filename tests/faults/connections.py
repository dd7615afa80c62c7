"""Killing the database connection of a request in flight, from a connection of the test's own.

Two moments, both with ``pg_terminate_backend`` (what an administrator, a fail-over or an idle
timeout does to a connection):

- **waiting for a lock**: the test holds a SHARE lock on the event table, which lets reads pass
  and makes every append wait; the first connection found waiting is terminated;
- **committing**: a deferred constraint trigger on the event table sleeps at commit time, after
  every row of the batch was inserted; the connection found sleeping there is terminated.

Each is a context manager around the request; a background thread finds the victim in
``pg_stat_activity`` (only in the test database) and terminates it, bounded in time: if no
request gets there, the lock is released or the trigger dropped, so the request goes on and
the test fails on its answer instead of hanging.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg

SECONDS = 15.0
_STALL_FUNCTION = "faults_stall_commit"
_STALL_TRIGGER = "faults_stall_commit"


@dataclass
class Victim:
    """The query of the connection that was terminated ("" while none was)."""

    query: str = ""
    found: threading.Event = field(default_factory=threading.Event)


class ConnectionKiller:
    """Terminates connections to one database (``url``), found by what they are waiting on."""

    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def while_waiting_for_a_lock(self) -> Iterator[Victim]:
        """Hold the event table so appends wait; terminate the first connection that waits."""
        holder = psycopg.connect(self.url)
        holder.execute("LOCK TABLE eventstore_event IN SHARE MODE")
        victim = Victim()

        def kill() -> None:
            try:
                self._terminate_first("wait_event_type = 'Lock'", victim, exclude=holder)
            finally:
                holder.rollback()  # the lock goes, whether or not a victim was found

        with self._in_background(kill):
            yield victim
        holder.close()

    @contextmanager
    def while_committing(self) -> Iterator[Victim]:
        """Make commits that inserted events sleep; terminate the first connection that does."""
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(
                f"CREATE FUNCTION {_STALL_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS"
                f" $$ BEGIN PERFORM pg_sleep({SECONDS}); RETURN NULL; END $$"
            )
            admin.execute(
                f"CREATE CONSTRAINT TRIGGER {_STALL_TRIGGER} AFTER INSERT ON eventstore_event"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                f" EXECUTE FUNCTION {_STALL_FUNCTION}()"
            )
        victim = Victim()
        try:
            with self._in_background(
                lambda: self._terminate_first("wait_event = 'PgSleep'", victim)
            ):
                yield victim
        finally:
            with psycopg.connect(self.url, autocommit=True) as admin:
                self._terminate_all(admin, "wait_event = 'PgSleep'")
                admin.execute(f"DROP TRIGGER IF EXISTS {_STALL_TRIGGER} ON eventstore_event")
                admin.execute(f"DROP FUNCTION IF EXISTS {_STALL_FUNCTION}()")

    def terminate(self, pid: int) -> None:
        """Terminate backend ``pid`` and wait until it is gone."""
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + SECONDS
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                if time.monotonic() > deadline:
                    raise AssertionError(f"backend {pid} still there after being terminated")
                time.sleep(0.02)

    @contextmanager
    def _in_background(self, work: Callable[[], None]) -> Iterator[None]:
        thread = threading.Thread(target=work, name="connection-killer", daemon=True)
        thread.start()
        try:
            yield
        finally:
            thread.join(timeout=SECONDS + 5)

    def _terminate_first(
        self, condition: str, victim: Victim, *, exclude: psycopg.Connection | None = None
    ) -> None:
        skip = exclude.info.backend_pid if exclude is not None else 0
        with psycopg.connect(self.url, autocommit=True) as admin:
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database()"
                    f" AND pid <> pg_backend_pid() AND pid <> %s AND {condition} LIMIT 1",
                    [skip],
                ).fetchone()
                if row is not None:
                    admin.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                    victim.query = row[1]
                    victim.found.set()
                    return
                time.sleep(0.02)

    def _terminate_all(self, admin: psycopg.Connection, condition: str) -> None:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = current_database() AND pid <> pg_backend_pid() AND {condition}"
        )
