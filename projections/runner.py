"""Catching a projection up with the event log: each shard one batch per transaction.

Each batch reads the next events of the shard's part of the log after the shard's checkpoint
(eventstore.partitions), applies them to the active generation and stores the new checkpoint,
all in one transaction under the shard's runner lock. Shards of one projection run in parallel
on different workers; a task that runs twice (a redelivery, a periodic run right after an
enqueued one) finds the checkpoint already moved and does nothing.

When a handler raises, the events before it are kept, the checkpoint stops just before it and
the shard is marked failing; the other shards go on. It is retried with exponential backoff,
and after ``PROJECTIONS_PARK_AFTER_ATTEMPTS`` failed attempts the event is parked (with every
later event of its stream) and the shard goes on; staff can retry, skip or park it sooner from
the dashboard (projections.decisions).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from eventstore.store import RecordedEvent, read_all
from projections import locks
from projections.holds import Holds
from projections.projector import Projector
from projections.registry import projector_class
from projections.shards import ensure_state, live_lock, partition
from projections.state import ProjectionDecision, ProjectionShard

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Failure:
    """The event a handler failed on, and why."""

    event: RecordedEvent
    error: BaseException
    # The description recorded when the failure happened, for a decision made later from it.
    described: str = ""

    def describe(self) -> str:
        if self.described:
            return self.described
        return f"{self.event.event_type} at #{self.event.position}: {self.error!r}"[:2000]


@dataclass(frozen=True)
class Applied:
    """How many events of a batch are done (applied, held or passed over), and the failure that
    stopped it, if any."""

    count: int
    failure: Failure | None = None
    held: list[RecordedEvent] = field(default_factory=list)


def catch_up(
    name: str, *, shard: int | None = None, retry_now: bool = False, batch_size: int = BATCH_SIZE
) -> int:
    """Apply every readable event after the checkpoints of ``name``'s shards (or of one);
    returns how many events were read.

    A failing shard waits for its next retry time unless ``retry_now``. A shard returns early
    (with what it did so far) when another runner holds its lock for too long. Raises
    UnknownProjection for an unknown name.
    """
    projector_class(name)
    state = ensure_state(name)
    shards = range(state.shard_count) if shard is None else [shard]
    return sum(_catch_up_shard(name, k, retry_now, batch_size) for k in shards)


def _catch_up_shard(name: str, shard: int, retry_now: bool, batch_size: int) -> int:
    read = 0
    while True:
        try:
            batch, more = _live_batch(name, shard, retry_now=retry_now, batch_size=batch_size)
        except OperationalError:
            logger.info("projection %s shard %s is busy with another runner", name, shard)
            return read
        read += batch
        if not more:
            return read


def _live_batch(name: str, shard: int, *, retry_now: bool, batch_size: int) -> tuple[int, bool]:
    with transaction.atomic():
        locks.hold(live_lock(name, shard))
        state = ensure_state(name)
        row = ProjectionShard.objects.filter(
            name=name, generation=state.active_generation, shard=shard
        ).first()
        if row is None:
            return 0, False  # a shard of another generation's split: nothing of ours to do
        if row.failed_position is not None and not retry_now and not _retry_due(row):
            return 0, False
        page = read_all(
            row.checkpoint, limit=batch_size, partition=partition(row, state.shard_count)
        )
        if not page.events:
            return 0, False
        holds = Holds.load(name, state.active_generation, shard)
        applied = apply_events(projector_class(name), state.active_generation, page.events, holds)
        done, parked = applied.count, False
        why = _park_now(row, holds, applied.failure) if applied.failure is not None else ""
        if applied.failure is not None and why:
            park_failure(holds, applied.failure, actor="system", reason=why)
            done, parked = done + 1, True
            _clear_failure(row)
        elif applied.failure is not None:
            _record_failure(row, applied.failure)
        elif row.failed_position is not None:
            logger.warning(
                "projection %s shard %s resumed after #%s", name, shard, row.failed_position
            )
            _clear_failure(row)
        if done:
            row.checkpoint = page.events[done - 1].checkpoint
        row.save(update_fields=[*_LIVE_FIELDS, "updated_at"])
        # Past a parked event the rest of the page is still to do: go on at once.
        return done, parked or (applied.failure is None and len(page.events) == batch_size)


_LIVE_FIELDS = ["checkpoint", "last_error", "failed_position", "failed_at", "retry_count"]
_LIVE_FIELDS += ["next_retry_at"]


def apply_events(
    projector: type[Projector],
    generation: int,
    events: Sequence[RecordedEvent],
    holds: Holds | None = None,
) -> Applied:
    """Apply events to one generation inside the caller's transaction, up to a failing one.

    Events that ``holds`` passes over are left out; those it holds get their rows. The whole
    batch is tried first. If anything raises (a handler, or writing the rows), it is rolled
    back to a savepoint and the events are applied one at a time to find the culprit, keeping
    the ones before it. Handlers are deterministic, so doing them again is harmless.
    """
    todo, held = _sorted_out(events, holds)
    try:
        with transaction.atomic():
            _apply(projector, generation, todo)
        if holds is not None:
            holds.hold(held)
        return Applied(len(events), held=held)
    except Exception:
        pass  # rolled back to the savepoint; now look for the event that raised
    held = []
    for index, event in enumerate(events):
        if holds is not None and holds.passes(event):
            continue
        if holds is not None and holds.holds(event):
            holds.hold([event])
            held.append(event)
            continue
        try:
            with transaction.atomic():
                _apply(projector, generation, [event])
        except Exception as error:
            return Applied(index, Failure(event, error), held)
    return Applied(len(events), held=held)


def _sorted_out(
    events: Sequence[RecordedEvent], holds: Holds | None
) -> tuple[list[RecordedEvent], list[RecordedEvent]]:
    if holds is None or not holds.passed:
        return list(events), []
    todo: list[RecordedEvent] = []
    held: list[RecordedEvent] = []
    for event in events:
        if holds.passes(event):
            continue
        (held if holds.holds(event) else todo).append(event)
    return todo, held


def _apply(projector: type[Projector], generation: int, events: Sequence[RecordedEvent]) -> None:
    instance = projector(generation)
    instance.prepare(events)
    for event in events:
        instance.apply(event)
    instance.flush()


def park_failure(holds: Holds, failure: Failure, *, actor: str, reason: str) -> None:
    """Park the event ``failure`` names (and so, later, its stream's next events) and record
    the decision, in the caller's transaction."""
    holds.park([failure.event], failed=True, error=failure.describe())
    record_decision(
        holds.projection,
        ProjectionDecision.PARK,
        failure.event,
        actor=actor,
        reason=reason,
        error=failure.describe(),
        outcome="parked; the shard goes on with the other streams",
    )
    logger.warning("projection %s parked %s", holds.projection, failure.describe())


def record_decision(
    projection: str,
    action: str,
    event: RecordedEvent | None,
    *,
    actor: str,
    reason: str = "",
    error: str = "",
    outcome: str = "",
) -> ProjectionDecision:
    """Write down who decided what about which event, and why."""
    return ProjectionDecision.objects.create(
        projection=projection,
        action=action,
        event_id=event.event_id if event else None,
        position=event.position if event else None,
        stream_id=event.stream_id if event else "",
        event_type=event.event_type if event else "",
        actor=actor,
        reason=reason,
        error=error,
        outcome=outcome,
        decided_at=timezone.now(),
    )


def park_after_attempts() -> int:
    """Failed attempts after which the runner parks an event itself (0: never; staff decide)."""
    return int(getattr(settings, "PROJECTIONS_PARK_AFTER_ATTEMPTS", 5))


def _park_due(row: ProjectionShard, failure: Failure) -> bool:
    limit = park_after_attempts()
    attempts = row.retry_count + 1 if row.failed_position == failure.event.position else 1
    return bool(limit) and attempts >= limit


AFTER_A_SKIP = "an earlier event of its stream was skipped, which this one may need"


def _park_now(row: ProjectionShard, holds: Holds, failure: Failure) -> str:
    """Why the runner parks ``failure`` itself now, or "" to retry it later."""
    if holds.lacks_a_skipped_event(failure.event):
        return AFTER_A_SKIP
    return _auto_reason() if _park_due(row, failure) else ""


def _auto_reason() -> str:
    return f"failed {park_after_attempts()} times in a row (PROJECTIONS_PARK_AFTER_ATTEMPTS)"


def _retry_due(row: ProjectionShard) -> bool:
    return row.next_retry_at is None or row.next_retry_at <= timezone.now()


def _record_failure(row: ProjectionShard, failure: Failure) -> None:
    logger.error(
        "projection %s shard %s stopped at %s",
        row.name,
        row.shard,
        failure.describe(),
        exc_info=(type(failure.error), failure.error, failure.error.__traceback__),
    )
    if row.failed_position != failure.event.position:
        row.retry_count = 0
    row.retry_count += 1
    row.last_error = failure.describe()
    row.failed_position = failure.event.position
    row.failed_at = timezone.now()
    row.next_retry_at = row.failed_at + backoff(row.retry_count)


def _clear_failure(row: ProjectionShard) -> None:
    row.last_error = ""
    row.failed_position = None
    row.failed_at = None
    row.retry_count = 0
    row.next_retry_at = None


def backoff(attempt: int) -> timedelta:
    """How long to wait before retry number ``attempt`` (1, 2, ...): doubling, capped."""
    return min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
