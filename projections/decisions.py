"""What staff decide about an event a projection failed on: retry it, skip it, park it, replay.

Every decision is written down (projections.state.ProjectionDecision: who, when, why, which
event) in the same transaction as its effect, under the lock of the shard it concerns, so a
running catch-up sees either none of it or all of it.

A decision names the event the caller saw (a failing shard's position, a parked event's id)
and is checked against it under that lock: a form that went stale while someone else decided,
or a new event failed, is refused and changes nothing, rather than deciding about an event
nobody looked at. Every refusal is DecisionRefused, whose message says why.

Skipping loses the event's effect for good, so it is allowed only for projections whose rows
each belong to one stream (``Projector.may_skip``): one cart's summary misses the change, every
other cart's stays exact. Projections that add up many streams into shared rows (the daily
funnel, product activity) may only park: the parked events are added when replayed, and as
their changes commute (projections.projector.Tally) the totals come out exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction

from carts.domain.plain_text import hidden_character
from eventstore.partitions import Partition
from eventstore.store import RecordedEvent, read_all, read_stream
from projections import locks
from projections.holds import Holds
from projections.registry import projector_class
from projections.runner import Failure, apply_events, park_failure, record_decision
from projections.shards import ensure_state, live_lock
from projections.state import ParkedEvent, ProjectionDecision, ProjectionShard

REASON_LIMIT = 2000


class DecisionRefused(Exception):
    """A decision that cannot be taken as asked (the message says why); nothing was changed."""


@dataclass(frozen=True)
class Replayed:
    """What a replay did: events applied, and the event that failed again (if one did)."""

    applied: int
    failed: str = ""


def retry(name: str, shard: int, *, position: int, actor: str, reason: str = "") -> None:
    """Let the failing shard try its event again at once (its backoff is cleared).

    ``position`` is that of the event the caller saw the shard fail on; raises DecisionRefused
    when the shard no longer fails on it."""
    reason = _checked_reason(reason)
    with _shard(name, shard) as row:
        event = _failing_event(row, position)
        row.next_retry_at = None
        row.save(update_fields=["next_retry_at", "updated_at"])
        record_decision(
            name,
            ProjectionDecision.RETRY,
            event,
            actor=actor,
            reason=reason,
            error=row.last_error,
            outcome="retried at the next catch-up",
        )


def skip(name: str, shard: int, *, position: int, actor: str, reason: str) -> None:
    """Pass over the shard's failing event (at ``position``, as the caller saw it) for good;
    raises DecisionRefused without a reason, for a projection that may not skip, or when the
    shard no longer fails on that event."""
    _require_skippable(name)
    reason = _required_reason(reason)
    with _shard(name, shard) as row:
        event = _failing_event(row, position)
        holds = Holds.load(name, row.generation, shard)
        holds.park([event], failed=True, error=row.last_error, status=ParkedEvent.SKIPPED)
        record_decision(
            name,
            ProjectionDecision.SKIP,
            event,
            actor=actor,
            reason=reason,
            error=row.last_error,
            outcome="skipped; its stream goes on without it",
        )
        _clear(row)


def park(name: str, shard: int, *, position: int, actor: str, reason: str = "") -> None:
    """Park the shard's failing event (at ``position``, as the caller saw it) and, as they come,
    its stream's later events, so the shard goes on with every other stream; raises
    DecisionRefused when the shard no longer fails on that event."""
    reason = _checked_reason(reason)
    with _shard(name, shard) as row:
        event = _failing_event(row, position)
        holds = Holds.load(name, row.generation, shard)
        failure = Failure(event, RuntimeError(row.last_error), described=row.last_error)
        park_failure(holds, failure, actor=actor, reason=reason)
        _clear(row)


def replay(
    name: str, stream_id: str, *, actor: str, reason: str = "", event_id: str = ""
) -> Replayed:
    """Apply the parked events of one stream in their order; one that fails again stays
    parked with its new error, and so do the ones after it.

    ``event_id``, when given, is the parked event the caller saw: raises DecisionRefused when it
    was skipped or replayed meanwhile, as when the stream has nothing parked."""
    reason = _checked_reason(reason)
    if not stream_id or len(stream_id) > 200:
        raise DecisionRefused("name the stream whose parked events to replay")
    seen = _checked_event_id(event_id) if event_id else None
    state = ensure_state(name)
    shard = _shard_of(stream_id, state.shard_count)
    with _shard(name, shard) as row:
        # Read under the lock that skip_parked takes too, so what a concurrent skip decided is
        # either all seen here (the event is no longer parked) or not begun.
        parked = list(
            ParkedEvent.objects.filter(
                projection=name,
                generation=row.generation,
                stream_id=stream_id,
                status=ParkedEvent.PARKED,
            ).order_by("version")
        )
        if seen is not None and seen not in {str(p.event_id) for p in parked}:
            raise DecisionRefused(_no_longer_parked(name, row.generation, seen))
        if not parked:
            raise DecisionRefused(f"{name} has no parked event of stream {stream_id!r}")
        events = _events_of(stream_id, {p.event_id for p in parked})
        applied = apply_events(projector_class(name), row.generation, events)
        done = [p.pk for p in parked[: applied.count]]
        ParkedEvent.objects.filter(pk__in=done).delete()
        outcome = f"{applied.count} of {len(events)} applied"
        failed = ""
        if applied.failure is not None:
            failed = applied.failure.describe()
            ParkedEvent.objects.filter(pk=parked[applied.count].pk).update(
                failed=True, error=failed
            )
            outcome += f"; failed again at {failed}"
        record_decision(
            name,
            ProjectionDecision.REPLAY,
            events[0],
            actor=actor,
            reason=reason,
            error=failed,
            outcome=outcome,
        )
        return Replayed(applied.count, failed)


def skip_parked(name: str, event_id: str, *, actor: str, reason: str) -> Replayed:
    """Skip a parked event for good, then replay what its stream held behind it; raises
    DecisionRefused when the event is not parked (never was, or was skipped or replayed)."""
    _require_skippable(name)
    reason = _required_reason(reason)
    event_id = _checked_event_id(event_id)
    state = ensure_state(name)
    row = ParkedEvent.objects.filter(
        projection=name, generation=state.active_generation, event_id=event_id
    ).first()
    if row is None:
        raise DecisionRefused(
            f"{name} has no parked event {event_id}: it was replayed already, or never parked"
        )
    with _shard(name, row.shard) as shard:
        # Whether it is still parked is decided here, under the shard's lock that replay takes
        # too, by the row count of a conditional update: of two skips, or a skip and a replay,
        # at the same moment, one does it and the other is refused and records nothing.
        skipped = ParkedEvent.objects.filter(
            pk=row.pk, generation=shard.generation, status=ParkedEvent.PARKED
        ).update(status=ParkedEvent.SKIPPED)
        if not skipped:
            raise DecisionRefused(_no_longer_parked(name, row.generation, event_id))
        [event] = _events_of(row.stream_id, {row.event_id})
        record_decision(
            name,
            ProjectionDecision.SKIP,
            event,
            actor=actor,
            reason=reason,
            error=row.error,
            outcome="skipped; what its stream held is replayed",
        )
    if ParkedEvent.objects.filter(
        projection=name,
        stream_id=row.stream_id,
        generation=row.generation,
        status=ParkedEvent.PARKED,
    ).exists():
        return replay(name, row.stream_id, actor=actor, reason=f"after skipping: {reason}")
    return Replayed(0)


def _no_longer_parked(name: str, generation: int, event_id: str) -> str:
    """Why a parked event the caller saw cannot be decided about any more."""
    row = ParkedEvent.objects.filter(
        projection=name, generation=generation, event_id=event_id
    ).first()
    if row is None:
        return f"event {event_id} of {name} is not parked: it was replayed already, or never parked"
    if row.status == ParkedEvent.SKIPPED:
        return f"event {event_id} of {name} is no longer parked: it was already skipped"
    return f"event {event_id} of {name} has moved on; look again"


@contextmanager
def _shard(name: str, shard: int) -> Iterator[ProjectionShard]:
    """The active generation's shard row, under its live lock, in a transaction."""
    projector_class(name)
    with transaction.atomic():
        locks.hold(live_lock(name, shard))
        state = ensure_state(name)
        row = ProjectionShard.objects.filter(
            name=name, generation=state.active_generation, shard=shard
        ).first()
        if row is None:
            raise DecisionRefused(f"{name} has no shard {shard}")
        yield row


def _failing_event(row: ProjectionShard, seen: int) -> RecordedEvent:
    """The event the shard failed on (the next one after its checkpoint), which must be the one
    at ``seen``, the position the caller saw: under the shard's lock, so it stays so until the
    decision commits."""
    if seen < 1:
        raise DecisionRefused(f"#{seen} is no event position (positions start at 1)")
    if row.failed_position is None:
        raise DecisionRefused(
            f"shard {row.shard} of {row.name} fails on no event now (not on #{seen}): look again"
        )
    if row.failed_position != seen:
        raise DecisionRefused(
            f"shard {row.shard} of {row.name} no longer fails on #{seen} "
            f"(now #{row.failed_position}): look again"
        )
    state = ensure_state(row.name)
    page = read_all(row.checkpoint, limit=1, partition=Partition(row.shard, state.shard_count))
    if not page.events or page.events[0].position != row.failed_position:
        raise DecisionRefused(f"shard {row.shard} of {row.name} has moved on; look again")
    return page.events[0]


def _checked_event_id(event_id: str) -> str:
    try:
        return str(UUID(str(event_id)))
    except ValueError:
        raise DecisionRefused(f"{str(event_id)[:60]!r} is not an event id (a UUID)") from None


def _clear(row: ProjectionShard) -> None:
    row.last_error, row.failed_position, row.failed_at = "", None, None
    row.retry_count, row.next_retry_at = 0, None
    row.save()


def _events_of(stream_id: str, event_ids: set) -> list[RecordedEvent]:  # type: ignore[type-arg]
    return [e for e in read_stream(stream_id) if e.event_id in event_ids]


def _shard_of(stream_id: str, count: int) -> int:
    return next(k for k in range(count) if Partition(k, count).holds(stream_id))


def _require_skippable(name: str) -> None:
    if not projector_class(name).may_skip:
        raise DecisionRefused(
            f"{name} adds up many carts in shared rows, so skipping an event would leave "
            "them wrong for every cart: park it instead, and replay it after the fix"
        )


def _required_reason(reason: str) -> str:
    reason = _checked_reason(reason)
    if not reason:
        raise DecisionRefused("say why the event is skipped: a reason is required")
    return reason


def _checked_reason(reason: str) -> str:
    """A decision's reason: plain text on one line, at most REASON_LIMIT characters."""
    reason = reason.strip()
    if len(reason) > REASON_LIMIT:
        raise DecisionRefused(f"a reason is at most {REASON_LIMIT} characters")
    if hidden_character(reason) is not None:
        raise DecisionRefused(
            "write the reason as plain text on one line (no control or direction characters)"
        )
    return reason
