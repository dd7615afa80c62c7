"""The event store's clock: when an event is recorded.

Normally the current time. Importers and the demo seeder may set it to a past moment for a
block of code, so histories they write through the ordinary services read as they happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_fixed: ContextVar[datetime | None] = ContextVar("eventstore_clock", default=None)


def now() -> datetime:
    """The moment new events are recorded at."""
    return _fixed.get() or timezone.now()


@contextmanager
def recording_at(moment: datetime) -> Iterator[None]:
    """Record events appended inside this block at ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("recording_at needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield
    finally:
        _fixed.reset(token)
