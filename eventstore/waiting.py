"""Waiting until the global log moves past a checkpoint, holding no transaction meanwhile.

For long polling (``GET /api/events/?wait=``). A waiter looks with one ``read_all(after,
limit=1)`` in autocommit mode, so no transaction, and no snapshot, is held between looks; the
connection stays open and idle. Between looks it sleeps on a condition that two things end:

- an append committed in this process (``events_committed``, sent after commit) wakes every
  waiter of the process at once;
- otherwise it looks again after ``poll`` seconds, which finds what other processes (other web
  workers, Celery tasks) committed.

Why polling across processes rather than PostgreSQL LISTEN/NOTIFY or Redis pub/sub: it needs no
extra statement on the append path (a NOTIFY in every append, or a publish after it), no
listener connection or thread per process, and it works the same on SQLite, where there is
nothing to listen to. Its cost is one indexed query per waiter per ``poll`` seconds and, for
events written by another process, up to ``poll`` seconds of latency. A wake only ends the
sleep: the waiter always looks at the log itself, so a wake for events it cannot read yet (on
PostgreSQL, behind a transaction still running) makes it look again and keep waiting.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from eventstore.log import read_all
from eventstore.signals import events_committed

_commits = threading.Condition()
_committed = 0


def _wake_waiters(**_: Any) -> None:
    global _committed
    with _commits:
        _committed += 1
        _commits.notify_all()


events_committed.connect(_wake_waiters, dispatch_uid="eventstore.waiting")


def wait_for_events(
    after: str, *, timeout: float, poll: float, using: str = DEFAULT_DB_ALIAS
) -> bool:
    """Wait until ``read_all(after)`` has an event to give, for at most ``timeout`` seconds.

    Returns True as soon as it has (at once if it has already), False when ``timeout`` runs
    out first. Looks at the log at least every ``poll`` seconds and whenever this process
    commits an append. Call it outside any transaction: an open one would be held the whole
    wait. Raises ValueError for a checkpoint the store never handed out.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _commits:
            seen = _committed
        if read_all(after, limit=1, using=using).events:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        _sleep_until_commit(seen, min(poll, remaining))


def _sleep_until_commit(seen: int, seconds: float) -> None:
    # Returns at once when a commit came after ``seen`` was taken (before the look), so a
    # commit between the look and the sleep is never missed.
    with _commits:
        _commits.wait_for(lambda: _committed != seen, timeout=seconds)
