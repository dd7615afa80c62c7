"""Recorded breaches: failed integrity checks kept per stream, so read paths flag them cheaply.

Re-hashing a whole stream, or re-reading sealed ranges of the log, is too costly for every
command. ``verify_events`` does it and records what it finds here; a command then learns of a
breach with one indexed look-up folded into its tail read (eventstore.tail).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS

from eventstore import clock
from eventstore.models import Breach


def record(found: Iterable[tuple[str, str]], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Record (stream id, problem) pairs; one already recorded is kept as it was.

    Returns how many pairs were given.
    """
    now = clock.now()
    rows = [
        Breach(stream_id=stream_id, problem=problem[:500], found_at=now)
        for stream_id, problem in found
    ]
    Breach.objects.using(using).bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def recorded(stream_id: str, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The problems recorded for one stream, oldest first."""
    return list(
        Breach.objects.using(using)
        .filter(stream_id=stream_id)
        .order_by("found_at", "id")
        .values_list("problem", flat=True)
    )
