"""How long appends take (observability.metrics.APPEND_SECONDS), timed around the repository's
append: apart from command_metrics, which knows the access policy, so that the repository
the policy reads through imports nothing that imports the policy."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from eventstore.errors import ConcurrencyError
from observability import metrics


@contextmanager
def timed_append() -> Iterator[None]:
    """Time the append in the block: written, or conflict when it raises ConcurrencyError
    (any other error is not an append's time and is not recorded)."""
    started = time.perf_counter()
    try:
        yield
    except ConcurrencyError:
        _APPEND_CONFLICT.observe(time.perf_counter() - started)
        raise
    _APPEND_WRITTEN.observe(time.perf_counter() - started)


_APPEND_WRITTEN = metrics.APPEND_SECONDS.labels("written")
_APPEND_CONFLICT = metrics.APPEND_SECONDS.labels("conflict")
