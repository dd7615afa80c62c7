"""Reading the projections: read models, status and lag, and waiting for a position.

Every read-model query filters on the active generation through a subquery, so that one SQL
statement reads the pointer and the rows from the same snapshot: a rebuild that switches
generations in between can never make a query see half of each, or nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from eventstore.models import Event
from eventstore.store import checkpoint_covers, checkpoint_position, decode_checkpoint
from projections.models import (
    CartSummary,
    DailyFunnel,
    GenerationRow,
    ProductActivity,
    ProjectionState,
)
from projections.rebuild import is_stalled
from projections.registry import names as projection_names
from projections.registry import projector_class

Row = TypeVar("Row", bound=GenerationRow)

LIVE, CATCHING_UP, REBUILDING, FAILING = "live", "catching_up", "rebuilding", "failing"
STALLED = "stalled"  # a rebuild whose heartbeat stopped: killed or stuck; a new one takes over


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


def cart_summaries() -> QuerySet[CartSummary]:
    """Cart summaries of the active generation, most recently active first."""
    return _active(CartSummary, "cart_summaries")


def product_activity() -> QuerySet[ProductActivity]:
    """Product activity per SKU, of the active generation."""
    return _active(ProductActivity, "product_activity")


def daily_funnel() -> QuerySet[DailyFunnel]:
    """The daily funnel of the active generation, latest day first."""
    return _active(DailyFunnel, "daily_funnel")


def _active(model: type[Row], name: str) -> QuerySet[Row]:
    pointer = ProjectionState.objects.filter(name=name).values("active_generation")[:1]
    return model._default_manager.filter(generation=Subquery(pointer))


def projection_statuses() -> list[ProjectionStatus]:
    """The status of every projection, in registry order."""
    states = {state.name: state for state in ProjectionState.objects.all()}
    head = Event.objects.order_by("-position").values_list("position", flat=True).first() or 0
    total = Event.objects.count()
    return [_status(name, states.get(name), head, total) for name in projection_names()]


def _status(name: str, state: ProjectionState | None, head: int, total: int) -> ProjectionStatus:
    state = state or ProjectionState(name=name)
    unread = unread_after(state.checkpoint)
    oldest = unread.order_by("recorded_at").values_list("recorded_at", flat=True).first()
    lag_events = unread.count()
    rebuild = _rebuild_progress(state, total)
    return ProjectionStatus(
        name=name,
        state=_state_name(state, lag_events, rebuild),
        checkpoint=state.checkpoint,
        position=checkpoint_position(state.checkpoint),
        head_position=head,
        lag_events=lag_events,
        lag_seconds=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        last_error=state.last_error or state.rebuild_error,
        failed_position=state.failed_position,
        updated_at=state.updated_at,
        rebuild_progress=rebuild.fraction if rebuild is not None else None,
        rebuild=rebuild,
    )


def _rebuild_progress(state: ProjectionState, total: int) -> RebuildProgress | None:
    if state.rebuild_generation is None:
        return None
    to_do = unread_after(state.rebuild_checkpoint).count()
    done = total - to_do
    started, beat = state.rebuild_started_at, state.rebuild_heartbeat_at
    seconds = (beat - started).total_seconds() if started and beat else 0.0
    return RebuildProgress(
        done=done,
        to_do=to_do,
        rate=done / seconds if seconds > 0 else None,
        started_at=started,
        heartbeat_at=beat,
        stalled=is_stalled(state, timezone.now()),
    )


def _state_name(state: ProjectionState, lag_events: int, rebuild: RebuildProgress | None) -> str:
    if state.last_error or state.rebuild_error:
        return FAILING
    if rebuild is not None:
        return STALLED if rebuild.stalled else REBUILDING
    return CATCHING_UP if lag_events else LIVE


def unread_after(checkpoint: str) -> QuerySet[Event]:
    """The events a reader at ``checkpoint`` has not been given yet (in the reader's order)."""
    tx_id, position = decode_checkpoint(checkpoint)
    return Event.objects.filter(Q(tx_id__gt=tx_id) | Q(tx_id=tx_id, position__gt=position))


def behind_committed_events(names: list[str]) -> bool:
    """Whether a healthy projection among ``names`` has committed events past its checkpoint."""
    states = ProjectionState.objects.filter(name__in=names, failed_position__isnull=True)
    return any(unread_after(state.checkpoint).exists() for state in states)


def projection_includes(name: str, position: int) -> bool:
    """Whether projection ``name`` has processed the event at global ``position``."""
    projector_class(name)
    checkpoint = (
        ProjectionState.objects.filter(name=name).values_list("checkpoint", flat=True).first()
    )
    return bool(checkpoint) and checkpoint_covers(checkpoint or "", position)


def wait_for_position(
    position: int, *, names: list[str] | None = None, timeout: float = 2.0
) -> bool:
    """Poll briefly until the projections (all by default) include ``position``.

    Returns False when ``timeout`` seconds passed first. Used by reads that ask for at least
    the position a client's own write reached.
    """
    wanted = list(names) if names is not None else projection_names()
    deadline = time.monotonic() + timeout
    while True:
        wanted = [name for name in wanted if not projection_includes(name, position)]
        if not wanted:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
