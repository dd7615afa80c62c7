"""How far each projection is: per shard and in all, its lag in events and seconds, its health.

Lag in seconds is the age of the oldest event not yet projected (0 when none is waiting); the
position is the watermark below which every event has been projected. Parked and skipped events
are counted apart: they are decided, not waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from eventstore.backends import backend_for
from eventstore.models import Event
from eventstore.partitions import Partition
from eventstore.store import checkpoint_position, decode_checkpoint
from projections.rebuild import is_stalled, rebuild_shards
from projections.registry import names as projection_names
from projections.registry import projector_class
from projections.shards import configured_shards
from projections.state import ParkedEvent, ProjectionShard, ProjectionState

LIVE, CATCHING_UP, REBUILDING, FAILING = "live", "catching_up", "rebuilding", "failing"
STALLED = "stalled"  # a rebuild whose heartbeat stopped: killed or stuck; it is resumed


@dataclass(frozen=True)
class Unread:
    """The events one shard has not read yet: how many, the lowest position, the oldest."""

    count: int
    first_position: int | None
    oldest: datetime | None

    def seconds(self, now: datetime) -> float:
        return (now - self.oldest).total_seconds() if self.oldest else 0.0


@dataclass(frozen=True)
class ShardStatus:
    """One shard of the active generation: checkpoint, lag, failure."""

    shard: int
    checkpoint: str
    position: int
    lag_events: int
    lag_seconds: float
    last_error: str
    failed_position: int | None
    retry_count: int
    next_retry_at: datetime | None


@dataclass(frozen=True)
class RebuildProgress:
    """How far a rebuild is: events applied to its generation, events still to read, and its
    rate in events per second (from its start to its last heartbeat; None before the first)."""

    done: int
    to_do: int
    rate: float | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    stalled: bool
    shards: int = 1
    shards_done: int = 0

    @property
    def fraction(self) -> float:
        return self.done / (self.done + self.to_do) if self.done + self.to_do else 1.0


@dataclass(frozen=True)
class ProjectionStatus:
    """How far one projection is, how far behind the log, and whether it is healthy."""

    name: str
    state: str
    checkpoint: str
    position: int
    head_position: int
    lag_events: int
    lag_seconds: float
    last_error: str
    failed_position: int | None
    updated_at: datetime | None
    rebuild_progress: float | None
    rebuild: RebuildProgress | None = None
    shards: tuple[ShardStatus, ...] = ()
    shard_count: int = 1
    configured_shards: int = 1
    failing_shards: int = 0
    # The last rebuild's failure (the live model untouched); cleared by a rebuild that succeeds.
    rebuild_error: str = ""
    parked: int = 0
    skipped: int = 0


def projection_statuses(names: list[str] | None = None) -> list[ProjectionStatus]:
    """The status of every projection (or of those ``names``), in registry order."""
    wanted = [name for name in projection_names() if names is None or name in names]
    states = {state.name: state for state in ProjectionState.objects.filter(name__in=wanted)}
    head = Event.objects.order_by("-position").values_list("position", flat=True).first() or 0
    # The whole log's count is only for a running rebuild's progress: at millions of events it
    # is the slowest query here, and the dashboard, status and metrics ask often.
    rebuilding = any(state.rebuild_generation is not None for state in states.values())
    total = Event.objects.count() if rebuilding else 0
    held = _held_counts()
    return [_status(name, states.get(name), head, total, held) for name in wanted]


def failing_projections() -> list[str]:
    """The names of the projections whose state is failing (a shard of the active generation
    stopped at an event), in registry order. A failed rebuild is not one: the live model it
    left alone serves on (ProjectionStatus.rebuild_error says what stopped it).

    Two small queries and none over the log, for a probe asked every few seconds (/readyz);
    projection_statuses counts every shard's lag (and the log, while a rebuild runs).
    """
    states = {state.name: state for state in ProjectionState.objects.all()}
    stopped = {
        (name, generation)
        for name, generation in ProjectionShard.objects.exclude(last_error="").values_list(
            "name", "generation"
        )
    }
    return [
        name
        for name in projection_names()
        if (state := states.get(name)) is not None and (name, state.active_generation) in stopped
    ]


def _status(
    name: str,
    state: ProjectionState | None,
    head: int,
    total: int,
    held: dict[tuple[str, str], int],
) -> ProjectionStatus:
    state = state or ProjectionState(name=name, shard_count=configured_shards(name))
    rows = {
        row.shard: row
        for row in ProjectionShard.objects.filter(name=name, generation=state.active_generation)
    }
    now = timezone.now()
    unread = [
        _unread(rows[k].checkpoint if k in rows else "", k, state.shard_count)
        for k in range(state.shard_count)
    ]
    shards = tuple(_shard_status(k, rows.get(k), unread[k], now) for k in range(state.shard_count))
    lag_events = sum(u.count for u in unread)
    firsts = [u.first_position for u in unread if u.first_position is not None]
    firsts += _first_parked(name, state.active_generation)
    failing = [s for s in shards if s.last_error]
    rebuild = _rebuild_progress(state, total, now)
    return ProjectionStatus(
        name=name,
        state=_state_name(state, bool(failing), lag_events, rebuild),
        checkpoint=shards[0].checkpoint if len(shards) == 1 else "",
        position=min(firsts) - 1 if firsts else head,
        head_position=head,
        lag_events=lag_events,
        lag_seconds=max((u.seconds(now) for u in unread), default=0.0),
        last_error=failing[0].last_error if failing else "",
        failed_position=min((s.failed_position or 0 for s in failing), default=None),
        updated_at=max((r.updated_at for r in rows.values()), default=state.updated_at),
        rebuild_progress=rebuild.fraction if rebuild is not None else None,
        rebuild=rebuild,
        shards=shards,
        shard_count=state.shard_count,
        configured_shards=configured_shards(name),
        failing_shards=len(failing),
        rebuild_error=state.rebuild_error,
        parked=held.get((name, ParkedEvent.PARKED), 0),
        skipped=held.get((name, ParkedEvent.SKIPPED), 0),
    )


def _shard_status(
    shard: int, row: ProjectionShard | None, unread: Unread, now: datetime
) -> ShardStatus:
    row = row or ProjectionShard(shard=shard)
    return ShardStatus(
        shard=shard,
        checkpoint=row.checkpoint,
        position=checkpoint_position(row.checkpoint),
        lag_events=unread.count,
        lag_seconds=unread.seconds(now),
        last_error=row.last_error,
        failed_position=row.failed_position,
        retry_count=row.retry_count,
        next_retry_at=row.next_retry_at,
    )


def _first_parked(name: str, generation: int) -> list[int]:
    """The lowest parked position, if any: the watermark stops below it until it is replayed."""
    parked = ParkedEvent.objects.filter(
        projection=name, generation=generation, status=ParkedEvent.PARKED
    )
    first = parked.aggregate(first=Min("position"))["first"]
    return [] if first is None else [first]


def _held_counts() -> dict[tuple[str, str], int]:
    """Parked and skipped events of every projection's active generation."""
    active = ProjectionState.objects.values_list("name", "active_generation")
    counts: dict[tuple[str, str], int] = {}
    for name, generation in active:
        rows = ParkedEvent.objects.filter(projection=name, generation=generation)
        for status, count in rows.values_list("status").annotate(n=Count("id")).order_by():
            counts[(name, status)] = count
    return counts


def _unread(checkpoint: str, shard: int, count: int) -> Unread:
    found = unread_after(checkpoint, Partition(shard, count)).aggregate(
        count=Count("position"), first=Min("position"), oldest=Min("recorded_at")
    )
    return Unread(found["count"], found["first"], found["oldest"])


def _rebuild_progress(state: ProjectionState, total: int, now: datetime) -> RebuildProgress | None:
    if state.rebuild_generation is None:
        return None
    shards = rebuild_shards(state)
    count = state.rebuild_shard_count or 1
    to_do = sum(unread_after(s.checkpoint, Partition(s.shard, count)).count() for s in shards)
    done = max(total - to_do, 0)  # events committed between the two counts
    started = state.rebuild_started_at
    beat = max((s.heartbeat_at for s in shards if s.heartbeat_at), default=None)
    seconds = (beat - started).total_seconds() if started and beat else 0.0
    return RebuildProgress(
        done=done,
        to_do=to_do,
        rate=done / seconds if seconds > 0 else None,
        started_at=started,
        heartbeat_at=beat,
        stalled=is_stalled(state, now),
        shards=count,
        shards_done=sum(1 for s in shards if s.caught_up),
    )


def _state_name(
    state: ProjectionState, failing: bool, lag_events: int, rebuild: RebuildProgress | None
) -> str:
    if failing:  # not a failed rebuild: the live model it left alone serves on
        return FAILING
    if rebuild is not None:
        return STALLED if rebuild.stalled else REBUILDING
    return CATCHING_UP if lag_events else LIVE


def unread_after(checkpoint: str, partition: Partition | None = None) -> QuerySet[Event]:
    """The events a reader at ``checkpoint`` (of ``partition``) has not been given yet."""
    tx_id, position = decode_checkpoint(checkpoint)
    events = Event.objects.filter(Q(tx_id__gt=tx_id) | Q(tx_id=tx_id, position__gt=position))
    if partition is None or partition.whole:
        return events
    column = backend_for(connection).STREAM_HASH.format(column="stream_id")
    return events.extra(where=[f"{column} %% %s = %s"], params=[partition.size, partition.member])


def behind_committed_events(names: list[str], shard: int | None = None) -> bool:
    """Whether a healthy shard (or shard ``shard``) of a projection among ``names`` has
    committed events past its checkpoint."""
    for state in ProjectionState.objects.filter(name__in=names):
        rows = ProjectionShard.objects.filter(
            name=state.name, generation=state.active_generation, failed_position__isnull=True
        )
        if shard is not None:
            rows = rows.filter(shard=shard)
        for row in rows:
            if unread_after(row.checkpoint, Partition(row.shard, state.shard_count)).exists():
                return True
    return False


def projection_includes(name: str, position: int) -> bool:
    """Whether projection ``name`` has processed the event at global ``position`` (its
    shard's checkpoint has passed it)."""
    projector_class(name)
    event = Event.objects.filter(position=position).values_list("tx_id", "stream_id").first()
    state = ProjectionState.objects.filter(name=name).first()
    if event is None or state is None:
        return False
    tx_id, stream_id = event
    shard = next(
        k for k in range(state.shard_count) if Partition(k, state.shard_count).holds(stream_id)
    )
    row = ProjectionShard.objects.filter(
        name=name, generation=state.active_generation, shard=shard
    ).first()
    if row is None or not row.checkpoint or (tx_id, position) > decode_checkpoint(row.checkpoint):
        return False
    # Passed, but parked (or held behind a parked event): not in the rows, so not included.
    return not ParkedEvent.objects.filter(
        projection=name,
        generation=state.active_generation,
        position=position,
        status=ParkedEvent.PARKED,
    ).exists()
