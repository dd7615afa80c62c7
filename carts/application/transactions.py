"""Commands in a caller's transaction: each decides once, and a lost race runs it all again.

A command on its own runs outside any transaction: its append is one statement, and when
another writer took the version it decided on, the handler loads the cart again and decides
again (carts.application.handler). Inside a transaction it must not. On PostgreSQL a
transaction takes its place in the global log with its first write (the events' ``tx_id``, see
eventstore.backends.postgresql), and an append that lost its race has written: its row was
formed, which gave the transaction its id, then dropped on the conflict. Deciding again in the
same transaction would append after the winner's event yet sort before it in the log, a cart's
events out of version order for every reader of the log: projections fold them in that order,
webhooks and the relay send them so, and the seals record the older event as the cart's head,
after which every command on the cart is refused as tampered with. (16 clients on four shared
carts did exactly that: tests/faults/test_concurrent_clients.py.)

So :func:`atomically` runs its work in one transaction in which every command decides once; a
command that lost its race raises ConcurrentModification, the transaction rolls back whole, and
the work runs again in a new one, which takes a later place in the log.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django.db import transaction

from carts.domain import errors

Result = TypeVar("Result")

# A command that lost the race for its cart is decided again on the newer cart up to ATTEMPTS
# times (by the handler on its own, by atomically() running the transaction again), each after
# a random pause of up to BACKOFF_SECONDS x attempt.
ATTEMPTS = 8
BACKOFF_SECONDS = 0.004

_deciding_once: ContextVar[bool] = ContextVar("deciding_once", default=False)


def decides_once() -> bool:
    """Whether a command run now must not decide again after a lost race (in atomically)."""
    return _deciding_once.get()


def atomically(work: Callable[[], Result]) -> Result:
    """Run ``work`` in one transaction, again in a new one when a command in it lost the race
    for its cart, up to ATTEMPTS times. Raises what ``work`` raises (ConcurrentModification
    once the attempts are spent)."""
    attempt = 1
    while True:
        token = _deciding_once.set(True)
        try:
            with transaction.atomic():
                return work()
        except errors.ConcurrentModification:
            if attempt == ATTEMPTS:
                raise
        finally:
            _deciding_once.reset(token)
        pause(attempt)
        attempt += 1


def pause(attempt: int) -> None:
    """Writers that collided would collide again in step: spread their next attempts."""
    time.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
