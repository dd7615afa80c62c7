"""Rebuilding a projection from the start of the log without readers ever noticing.

A rebuild fills a new generation of the projection's rows next to the active one, batch by
batch, each batch committed with the rebuild's own checkpoint. Readers keep reading the active
generation, and live catch-up keeps it current. When the new generation is near the head, one
transaction takes the live lock, applies the last events, points ``active_generation`` at the
new generation, moves its checkpoint over and deletes the old rows. Readers see either the old
model or the new one, never a mixture, never an empty one.

A rebuild that dies halfway leaves its half-built generation unreferenced; the next rebuild
deletes it and starts over. Every committed batch writes the rebuild's heartbeat; one whose
heartbeat is older than ``stale_after()`` is reported as stalled (its process was killed or
hangs), and any new rebuild takes over from it.
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

from eventstore.store import START, read_all
from projections import locks
from projections.models import ProjectionState
from projections.registry import projector_class
from projections.runner import Failure, apply_events, live_lock

logger = logging.getLogger(__name__)

# Larger than live catch-up's batches: a rebuild reads the whole log, and each batch costs the
# same handful of round trips (lock, state, read, load, write, checkpoint, commit) whatever its
# size. Still short: while a batch's transaction is open, readers of the log on PostgreSQL see
# no event committed after it began (see eventstore.backends.postgresql), and 2,000 events take
# well under a second.
REBUILD_BATCH_SIZE = 2000


def stale_after() -> timedelta:
    """How long a rebuild may go without a heartbeat before it counts as stalled (setting
    ``PROJECTIONS_REBUILD_STALE_SECONDS``, default 120 s: a batch takes well under a second and
    the final switch a few batches, so two silent minutes mean its process is gone or stuck)."""
    return timedelta(seconds=settings.PROJECTIONS_REBUILD_STALE_SECONDS)


def is_stalled(state: ProjectionState, now: datetime) -> bool:
    """Whether ``state`` records a rebuild that stopped writing its heartbeat.

    A rebuild with no heartbeat at all (started before heartbeats were written) counts from
    when it started; one with neither is stalled.
    """
    if state.rebuild_generation is None:
        return False
    beat = state.rebuild_heartbeat_at or state.rebuild_started_at
    return beat is None or now - beat > stale_after()


def is_running(state: ProjectionState, now: datetime) -> bool:
    """Whether ``state`` records a rebuild that is still at work (its heartbeat is fresh)."""
    return state.rebuild_generation is not None and not is_stalled(state, now)


def running_rebuild(name: str) -> bool:
    """Whether a rebuild of projection ``name`` is at work now (one query, no lock)."""
    state = ProjectionState.objects.filter(name=name).first()
    return state is not None and is_running(state, timezone.now())


class RebuildRunning(Exception):
    """A rebuild of the same projection is at work (fresh heartbeat); nothing was started."""


class RebuildFailed(Exception):
    """A handler raised while rebuilding; the live model was left as it was."""


class RebuildSuperseded(Exception):
    """Another rebuild of the same projection started after this one."""


def rebuild_lock(name: str) -> str:
    return f"projection-rebuild:{name}"


def rebuild(
    name: str,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    after_batch: Callable[[int], None] | None = None,
    take_over_running: bool = True,
) -> int:
    """Rebuild one projection from the first event and switch readers over; returns events read.

    ``after_batch`` is called with the running count after each committed batch (for progress
    output). With ``take_over_running`` False (a rebuild asked for from the dashboard), a rebuild
    at work is left alone: RebuildRunning, nothing started; a stalled one is taken over either
    way. Raises RebuildFailed when a handler raises, RebuildSuperseded when another rebuild
    of the same projection took over, UnknownProjection for an unknown name.
    """
    projector_class(name)
    generation = _start(name, take_over_running=take_over_running)
    read = 0
    try:
        with _earlier_objects_frozen():
            while True:
                count = _rebuild_batch(name, generation, batch_size)
                read += count
                if after_batch is not None:
                    after_batch(read)
                if count < batch_size:
                    break
            return read + _switch(name, generation, batch_size)
    except _Stopped as stopped:
        # The failed batch was rolled back; the failure is recorded in a transaction of its
        # own so that the status shows it. The half-built generation stays unreferenced until
        # the next rebuild removes it.
        error = stopped.failure.describe()
        ProjectionState.objects.filter(name=name, rebuild_generation=generation).update(
            rebuild_generation=None,
            rebuild_heartbeat_at=None,
            rebuild_error=error,
            updated_at=timezone.now(),
        )
        logger.error("rebuild of %s stopped at %s", name, error)
        raise RebuildFailed(f"rebuild of {name} stopped at {error}") from stopped.failure.error


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


def _start(name: str, *, take_over_running: bool) -> int:
    """Claim a fresh generation and remove whatever an earlier, unfinished rebuild left."""
    with transaction.atomic():
        # Checked under the rebuild lock, so two requests racing past the dashboard's own
        # check cannot both start: the second finds the first's fresh heartbeat.
        locks.hold(rebuild_lock(name))
        state, _ = ProjectionState.objects.get_or_create(name=name)
        if not take_over_running and is_running(state, timezone.now()):
            raise RebuildRunning(f"a rebuild of {name} is already running")
        if is_stalled(state, timezone.now()):
            logger.warning("taking over the stalled rebuild of %s", name)
        generation = max(state.active_generation, state.rebuild_generation or 0) + 1
        for table in projector_class(name).tables:
            table._default_manager.filter(~Q(generation=state.active_generation)).delete()
        state.rebuild_generation = generation
        state.rebuild_checkpoint = START
        state.rebuild_started_at = state.rebuild_heartbeat_at = timezone.now()
        state.rebuild_error = ""
        state.save(update_fields=[*_REBUILD_FIELDS, "updated_at"])
    logger.info("rebuilding projection %s as generation %s", name, generation)
    return generation


_REBUILD_FIELDS = ["rebuild_generation", "rebuild_checkpoint", "rebuild_started_at"]
_REBUILD_FIELDS += ["rebuild_error", "rebuild_heartbeat_at"]


def _rebuild_batch(name: str, generation: int, batch_size: int) -> int:
    # The rebuild lock, not the live one: live catch-up goes on while the rebuild runs.
    with transaction.atomic():
        locks.hold(rebuild_lock(name))
        state = _own_state(name, generation)
        return _advance(state, generation, batch_size)


def _switch(name: str, generation: int, batch_size: int) -> int:
    # Lock order is always rebuild lock, then live lock; live runners take only the live lock,
    # so the two can never wait for each other in a cycle.
    with transaction.atomic():
        locks.hold(rebuild_lock(name))
        locks.hold(live_lock(name))
        state = _own_state(name, generation)
        read = 0
        while count := _advance(state, generation, batch_size):
            read += count
        old = state.active_generation
        for table in projector_class(name).tables:
            table._default_manager.filter(generation=old).delete()
        state.active_generation = generation
        state.checkpoint = state.rebuild_checkpoint
        state.rebuild_generation = None
        state.rebuild_checkpoint = START
        state.rebuild_heartbeat_at = None
        # The new generation went past every event, so a failure of the old one is over.
        state.last_error, state.failed_position, state.failed_at = "", None, None
        state.retry_count, state.next_retry_at = 0, None
        state.save()
    logger.info("projection %s now reads generation %s", name, generation)
    return read


def _own_state(name: str, generation: int) -> ProjectionState:
    state = ProjectionState.objects.get(name=name)
    if state.rebuild_generation != generation:
        raise RebuildSuperseded(
            f"rebuild of {name} as generation {generation} was superseded by another rebuild"
        )
    return state


def _advance(state: ProjectionState, generation: int, batch_size: int) -> int:
    """Apply the next batch to the rebuild's generation and move the rebuild checkpoint."""
    events = read_all(state.rebuild_checkpoint, limit=batch_size).events
    if not events:
        return 0
    applied = apply_events(projector_class(state.name), generation, events)
    if applied.failure is not None:
        raise _Stopped(applied.failure)
    state.rebuild_checkpoint = events[-1].checkpoint
    state.rebuild_heartbeat_at = timezone.now()
    state.save(update_fields=["rebuild_checkpoint", "rebuild_heartbeat_at", "updated_at"])
    return len(events)


class _Stopped(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure
