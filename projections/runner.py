"""Catching a projection up with the event log, one batch per transaction.

Each batch reads the next events after the projection's checkpoint through the event store's
gap-free global reader, applies them to the active generation and stores the new checkpoint, all
in one transaction under the projection's runner lock. A task that runs twice (a redelivery, or
a periodic run right after an enqueued one) finds the checkpoint already moved and does nothing.

When a handler raises, the events before it are kept, the checkpoint stops just before it and
the projection is marked failing. It is retried with exponential backoff; other projections are
not affected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import OperationalError, transaction
from django.utils import timezone

from eventstore.store import RecordedEvent, read_all
from projections import locks
from projections.models import ProjectionState
from projections.projector import Projector
from projections.registry import projector_class

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Failure:
    """The event a handler failed on, and why."""

    event: RecordedEvent
    error: BaseException

    def describe(self) -> str:
        return f"{self.event.event_type} at #{self.event.position}: {self.error!r}"[:2000]


@dataclass(frozen=True)
class Applied:
    """How many events of a batch were applied, and the failure that stopped it, if any."""

    count: int
    failure: Failure | None = None


def live_lock(name: str) -> str:
    return f"projection:{name}"


def catch_up(name: str, *, retry_now: bool = False, batch_size: int = BATCH_SIZE) -> int:
    """Apply every readable event after the checkpoint; returns how many events it read.

    A failing projection waits for its next retry time unless ``retry_now``. Returns early
    (with what it did so far) when another runner holds the lock for too long.
    """
    read = 0
    while True:
        try:
            batch, more = _live_batch(name, retry_now=retry_now, batch_size=batch_size)
        except OperationalError:
            logger.info("projection %s is busy with another runner; leaving it to them", name)
            return read
        read += batch
        if not more:
            return read


def _live_batch(name: str, *, retry_now: bool, batch_size: int) -> tuple[int, bool]:
    with transaction.atomic():
        locks.hold(live_lock(name))
        state, _ = ProjectionState.objects.get_or_create(name=name)
        if state.failed_position is not None and not retry_now and not _retry_due(state):
            return 0, False
        events = read_all(state.checkpoint, limit=batch_size).events
        if not events:
            return 0, False
        applied = apply_events(projector_class(name), state.active_generation, events)
        if applied.count:
            state.checkpoint = events[applied.count - 1].checkpoint
        if applied.failure is not None:
            _record_failure(state, applied.failure)
        elif state.failed_position is not None:
            logger.warning("projection %s resumed after #%s", name, state.failed_position)
            _clear_failure(state)
        state.save(update_fields=[*_LIVE_FIELDS, "updated_at"])
        return applied.count, applied.failure is None and len(events) == batch_size


_LIVE_FIELDS = ["checkpoint", "last_error", "failed_position", "failed_at", "retry_count"]
_LIVE_FIELDS += ["next_retry_at"]


def apply_events(
    projector: type[Projector], generation: int, events: Sequence[RecordedEvent]
) -> Applied:
    """Apply events to one generation inside the caller's transaction, up to a failing one.

    The whole batch is tried first. If anything raises (a handler, or writing the rows), it is
    rolled back to a savepoint and the events are applied one at a time to find the culprit,
    keeping the ones before it. Handlers are deterministic, so doing them again is harmless.
    """
    try:
        with transaction.atomic():
            _apply(projector, generation, events)
        return Applied(len(events))
    except Exception:
        pass  # rolled back to the savepoint; now look for the event that raised
    for index, event in enumerate(events):
        try:
            with transaction.atomic():
                _apply(projector, generation, [event])
        except Exception as error:
            return Applied(index, Failure(event, error))
    return Applied(len(events))


def _apply(projector: type[Projector], generation: int, events: Sequence[RecordedEvent]) -> None:
    instance = projector(generation)
    instance.prepare(events)
    for event in events:
        instance.apply(event)
    instance.flush()


def _retry_due(state: ProjectionState) -> bool:
    return state.next_retry_at is None or state.next_retry_at <= timezone.now()


def _record_failure(state: ProjectionState, failure: Failure) -> None:
    logger.error(
        "projection %s stopped at %s",
        state.name,
        failure.describe(),
        exc_info=(type(failure.error), failure.error, failure.error.__traceback__),
    )
    if state.failed_position != failure.event.position:
        state.retry_count = 0
    state.retry_count += 1
    state.last_error = failure.describe()
    state.failed_position = failure.event.position
    state.failed_at = timezone.now()
    state.next_retry_at = state.failed_at + backoff(state.retry_count)


def _clear_failure(state: ProjectionState) -> None:
    state.last_error = ""
    state.failed_position = None
    state.failed_at = None
    state.retry_count = 0
    state.next_retry_at = None


def backoff(attempt: int) -> timedelta:
    """How long to wait before retry number ``attempt`` (1, 2, ...): doubling, capped."""
    return min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
