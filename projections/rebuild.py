"""Rebuilding a projection from the start of the log without readers ever noticing.

A rebuild fills a new generation of the projection's rows next to the active one, split into
the configured number of shards (projections.shards), each shard batch by batch with its own
checkpoint, lock and heartbeat; shards run one after the other in one process, or in parallel
on whichever workers are free (projections.tasks). Readers keep reading the active generation,
and live catch-up keeps it current. When every shard is near the head, one transaction takes the
rebuild's and every live runner's locks, applies the last events, points ``active_generation``
at the new generation and deletes the old rows. Readers see either the old model or the new one,
never a mixture, never an empty one.

A shard whose heartbeat is older than ``stale_after()`` was killed or hangs: resume_stalled()
(run by beat, or ``manage.py projections resume``) goes on from its committed checkpoint, so a
killed rebuild is finished, never shown as running forever. A new rebuild takes over from a
stalled one; one that fails leaves its half-built generation unreferenced for the next to
delete. Events skipped by staff stay skipped; an event parked in the live model that fails
again is parked again, and so is a failing event of a stream with a skipped event; any other
failure stops the rebuild (RebuildFailed).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from eventstore.partitions import Partition
from eventstore.store import RecordedEvent, read_all
from projections import locks
from projections.holds import Holds
from projections.registry import projector_class
from projections.runner import Failure, apply_events
from projections.shards import configured_shards, create_shards, ensure_state, live_lock
from projections.shards import rebuild_lock as rebuild_lock
from projections.state import ParkedEvent, ProjectionShard, ProjectionState

logger = logging.getLogger(__name__)

# Larger than live catch-up's batches: a rebuild reads the whole log, and each batch costs the
# same handful of round trips (lock, state, read, load, write, checkpoint, commit) whatever its
# size. Still short: while a batch's transaction is open, readers of the log on PostgreSQL see
# no event committed after it began (see eventstore.backends.postgresql), and 2,000 events take
# well under a second.
REBUILD_BATCH_SIZE = 2000


def stale_after() -> timedelta:
    """How long a rebuild's shard may go without a heartbeat before it counts as stalled
    (setting ``PROJECTIONS_REBUILD_STALE_SECONDS``, default 120 s: a batch takes well under a
    second, so two silent minutes mean its process is gone or stuck)."""
    return timedelta(seconds=settings.PROJECTIONS_REBUILD_STALE_SECONDS)


def rebuild_shards(state: ProjectionState) -> list[ProjectionShard]:
    """The shard rows of ``state``'s rebuild under way (none without one)."""
    if state.rebuild_generation is None:
        return []
    return list(
        ProjectionShard.objects.filter(name=state.name, generation=state.rebuild_generation)
    )


def stalled_shards(state: ProjectionState, now: datetime) -> list[ProjectionShard]:
    """The rebuild's shards that stopped writing their heartbeat: every shard not caught up
    whose heartbeat is stale, or, when all are caught up but the switch never came, all."""
    shards = rebuild_shards(state)
    stale = [s for s in shards if s.heartbeat_at is None or now - s.heartbeat_at > stale_after()]
    working = [s for s in stale if not s.caught_up]
    if working or not shards or not all(s.caught_up for s in shards):
        return working
    return stale if len(stale) == len(shards) else []


def is_stalled(state: ProjectionState, now: datetime) -> bool:
    """Whether ``state`` records a rebuild of which some part stopped writing its heartbeat."""
    if state.rebuild_generation is None:
        return False
    return not rebuild_shards(state) or bool(stalled_shards(state, now))


def is_running(state: ProjectionState, now: datetime) -> bool:
    """Whether ``state`` records a rebuild that is still at work (its heartbeats are fresh)."""
    return state.rebuild_generation is not None and not is_stalled(state, now)


def running_rebuild(name: str) -> bool:
    """Whether a rebuild of projection ``name`` is at work now (no lock)."""
    state = ProjectionState.objects.filter(name=name).first()
    return state is not None and is_running(state, timezone.now())


class RebuildRunning(Exception):
    """A rebuild of the same projection is at work (fresh heartbeat); nothing was started."""


class RebuildFailed(Exception):
    """A handler raised while rebuilding; the live model was left as it was."""


class RebuildSuperseded(Exception):
    """Another rebuild of the same projection started after this one."""


def rebuild(
    name: str,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    after_batch: Callable[[int], None] | None = None,
    take_over_running: bool = True,
) -> int:
    """Rebuild one projection from the first event in this process, shard after shard, and
    switch readers over; returns events read.

    ``after_batch`` is called with the running count after each committed batch (for progress
    output). With ``take_over_running`` False (a rebuild asked for from the dashboard), a rebuild
    at work is left alone: RebuildRunning, nothing started; a stalled one is taken over either
    way. Raises RebuildFailed when a handler raises, RebuildSuperseded when another rebuild
    of the same projection took over, UnknownProjection for an unknown name.
    """
    generation, count = start(name, take_over_running=take_over_running)
    read = 0

    def progress(done: int) -> None:
        if after_batch is not None:
            after_batch(read + done)

    for shard in range(count):
        read += rebuild_shard(name, generation, shard, batch_size=batch_size, after_batch=progress)
    return read + finish(name, generation, batch_size=batch_size)


def start(name: str, *, take_over_running: bool = True) -> tuple[int, int]:
    """Claim a fresh generation and remove whatever an earlier, unfinished rebuild left;
    returns the generation and its shard count. Raises as rebuild() does."""
    projector_class(name)
    count = configured_shards(name)
    ensure_state(name)
    with transaction.atomic():
        # Checked under the rebuild lock, so two requests racing past the dashboard's own
        # check cannot both start: the second finds the first's fresh heartbeat.
        locks.hold(rebuild_lock(name))
        state = ProjectionState.objects.get(name=name)
        if not take_over_running and is_running(state, timezone.now()):
            raise RebuildRunning(f"a rebuild of {name} is already running")
        if is_stalled(state, timezone.now()):
            logger.warning("taking over the stalled rebuild of %s", name)
        generation = max(state.active_generation, state.rebuild_generation or 0) + 1
        _forget_other_generations(state)
        create_shards(name, generation, count)
        ProjectionShard.objects.filter(name=name, generation=generation).update(
            heartbeat_at=timezone.now()
        )
        _carry_skips(state, generation, count)
        state.rebuild_generation, state.rebuild_shard_count = generation, count
        state.rebuild_started_at, state.rebuild_error = timezone.now(), ""
        state.save()
    logger.info("rebuilding projection %s as generation %s in %s shards", name, generation, count)
    return generation, count


def _forget_other_generations(state: ProjectionState) -> None:
    stale = ~Q(generation=state.active_generation)
    for table in projector_class(state.name).tables:
        table._default_manager.filter(stale).delete()
    ProjectionShard.objects.filter(stale, name=state.name).delete()
    ParkedEvent.objects.filter(stale, projection=state.name).delete()


def _carry_skips(state: ProjectionState, generation: int, count: int) -> None:
    """Events staff skipped stay skipped in the new generation (each in its new shard)."""
    skipped = ParkedEvent.objects.filter(
        projection=state.name, generation=state.active_generation, status=ParkedEvent.SKIPPED
    )
    copies = []
    for row in skipped:
        row.pk, row.generation = None, generation
        row.shard = next(k for k in range(count) if Partition(k, count).holds(row.stream_id))
        copies.append(row)
    ParkedEvent.objects.bulk_create(copies, ignore_conflicts=True)


def rebuild_shard(
    name: str,
    generation: int,
    shard: int,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    after_batch: Callable[[int], None] | None = None,
) -> int:
    """Fill shard ``shard`` of the rebuild's ``generation`` up to near the head, from its
    checkpoint (so a stalled shard resumes where it stopped); returns events read."""
    read = 0
    try:
        with _earlier_objects_frozen():
            while True:
                count, more = _rebuild_batch(name, generation, shard, batch_size)
                read += count
                if after_batch is not None:
                    after_batch(read)
                if not more:
                    return read
    except _Stopped as stopped:
        _record_stop(name, generation, stopped.failure)
        raise RebuildFailed(f"rebuild of {name} stopped at {stopped.failure.describe()}") from (
            stopped.failure.error
        )


def _rebuild_batch(name: str, generation: int, shard: int, batch_size: int) -> tuple[int, bool]:
    # The shard's rebuild lock, not its live one: live catch-up goes on while the rebuild runs.
    with transaction.atomic():
        locks.hold(rebuild_lock(name, shard))
        state = _own_state(name, generation)
        row = ProjectionShard.objects.get(name=name, generation=generation, shard=shard)
        count = _advance(state, row, batch_size)
        row.caught_up = count < batch_size
        row.heartbeat_at = timezone.now()
        row.save(update_fields=["checkpoint", "caught_up", "heartbeat_at", "updated_at"])
        return count, not row.caught_up


def finish(name: str, generation: int, *, batch_size: int = REBUILD_BATCH_SIZE) -> int:
    """Switch readers to ``generation`` once every shard of it is near the head; returns the
    events read doing so (0, and nothing switched, while a shard is still at work)."""
    with transaction.atomic():
        # Lock order is always the rebuild's lock, its shards', then the live ones; live
        # runners and shard batches each take one lock, so no two can wait in a cycle.
        locks.hold(rebuild_lock(name))
        state = _own_state(name, generation)
        shards = rebuild_shards(state)
        if not shards or not all(row.caught_up for row in shards):
            return 0
        for row in shards:
            locks.hold(rebuild_lock(name, row.shard))
        for shard in range(max(state.shard_count, len(shards))):
            locks.hold(live_lock(name, shard))
        read = 0
        for row in shards:
            while count := _advance(state, row, batch_size):
                read += count
            row.heartbeat_at = None
            row.save(update_fields=["checkpoint", "heartbeat_at", "updated_at"])
        old = state.active_generation
        for table in projector_class(name).tables:
            table._default_manager.filter(generation=old).delete()
        ProjectionShard.objects.filter(name=name, generation=old).delete()
        ParkedEvent.objects.filter(projection=name, generation=old).delete()
        state.active_generation, state.shard_count = generation, len(shards)
        state.rebuild_generation = state.rebuild_shard_count = state.rebuild_started_at = None
        state.save()
    logger.info("projection %s now reads generation %s", name, generation)
    return read


def resume_stalled(name: str, run: Callable[[str, int, int], object] | None = None) -> list[int]:
    """Go on with the stalled shards of ``name``'s rebuild: each is handed to ``run(name,
    generation, shard)`` (a Celery enqueue), or rebuilt here and the switch attempted; returns
    the shards resumed. A rebuild whose shards are all done but never switched is switched."""
    state = ProjectionState.objects.filter(name=name).first()
    if state is None or state.rebuild_generation is None:
        return []
    generation, stalled = state.rebuild_generation, stalled_shards(state, timezone.now())
    ProjectionShard.objects.filter(pk__in=[s.pk for s in stalled]).update(
        heartbeat_at=timezone.now()  # claimed: the next look does not resume them again
    )
    for row in stalled:
        logger.warning("resuming shard %s of the stalled rebuild of %s", row.shard, name)
        if run is not None:
            run(name, generation, row.shard)
        elif not row.caught_up:
            rebuild_shard(name, generation, row.shard)
    if run is None and stalled:
        finish(name, generation)
    return [row.shard for row in stalled]


@contextmanager
def _earlier_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector off the objects that existed before the rebuild began.

    A rebuild allocates objects by the thousand per batch (events, rows, aggregates), which
    sets off full collections, and each walks every object in the process: Django, the apps,
    the catalog in memory. None of those can become the rebuild's garbage, so they are moved
    out of the collector's sight meanwhile (gc.freeze) and back afterwards (gc.unfreeze); this
    took collection from a fifth of a rebuild's time to a thirtieth. A process that froze
    objects itself (before forking workers, say) keeps its own arrangement untouched.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _own_state(name: str, generation: int) -> ProjectionState:
    state = ProjectionState.objects.get(name=name)
    if state.rebuild_generation != generation:
        raise RebuildSuperseded(
            f"rebuild of {name} as generation {generation} was superseded by another rebuild"
        )
    return state


def _advance(state: ProjectionState, row: ProjectionShard, batch_size: int) -> int:
    """Apply the shard's next batch to the rebuild's generation and move its checkpoint."""
    count = state.rebuild_shard_count or 1
    page = read_all(row.checkpoint, limit=batch_size, partition=Partition(row.shard, count))
    if not page.events:
        return 0
    holds = Holds.load(state.name, row.generation, row.shard)
    projector = projector_class(state.name)
    events = page.events
    applied = apply_events(projector, row.generation, events, holds)
    while applied.failure is not None:
        failed = applied.failure.event
        if not (holds.lacks_a_skipped_event(failed) or _parked_in_live_model(state, failed)):
            raise _Stopped(applied.failure)
        holds.park([applied.failure.event], failed=True, error=applied.failure.describe())
        rest = events[applied.count + 1 :]
        applied = apply_events(projector, row.generation, rest, holds)
        events = rest
    row.checkpoint = page.events[-1].checkpoint
    return len(page.events)


def _parked_in_live_model(state: ProjectionState, event: RecordedEvent) -> bool:
    return ParkedEvent.objects.filter(
        projection=state.name,
        generation=state.active_generation,
        event_id=event.event_id,
        status=ParkedEvent.PARKED,
        failed=True,
    ).exists()


def _record_stop(name: str, generation: int, failure: Failure) -> None:
    # The failed batch was rolled back; the failure is recorded in a transaction of its own
    # so that the status shows it. The half-built generation stays unreferenced until the next
    # rebuild removes it.
    error = failure.describe()
    ProjectionState.objects.filter(name=name, rebuild_generation=generation).update(
        rebuild_generation=None,
        rebuild_shard_count=None,
        rebuild_error=error,
        updated_at=timezone.now(),
    )
    logger.error("rebuild of %s stopped at %s", name, error)


class _Stopped(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure
