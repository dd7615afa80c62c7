"""The events one shard of one generation passes over: skipped for good, or parked for replay.

Loaded once per batch (one query). An event passes when it has a ParkedEvent row already (it was
parked or skipped); it is held, and gets a row, when an earlier event of its stream is parked:
a stream's events are applied in their order or not at all, so that a parked event replayed
later finds the read model as its stream left it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.utils import timezone

from eventstore.store import RecordedEvent
from projections.state import ParkedEvent


@dataclass
class Holds:
    """What shard ``shard`` of ``projection``'s ``generation`` does not apply now."""

    projection: str
    generation: int
    shard: int
    passed: set[UUID] = field(default_factory=set)
    # stream id -> the lowest version of it that is parked: later versions are held too.
    parked_from: dict[str, int] = field(default_factory=dict)
    # Streams with an event skipped for good: their rows already lack a change.
    skipped_streams: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, projection: str, generation: int, shard: int) -> Holds:
        """The shard's current holds, in one query."""
        holds = cls(projection, generation, shard)
        rows = ParkedEvent.objects.filter(
            projection=projection, generation=generation, shard=shard
        ).values_list("event_id", "stream_id", "version", "status")
        for event_id, stream_id, version, status in rows:
            holds.passed.add(event_id)
            if status == ParkedEvent.SKIPPED:
                holds.skipped_streams.add(stream_id)
            if status == ParkedEvent.PARKED:
                first = holds.parked_from.get(stream_id, version)
                holds.parked_from[stream_id] = min(first, version)
        return holds

    def passes(self, event: RecordedEvent) -> bool:
        """Whether ``event`` has been parked or skipped already."""
        return event.event_id in self.passed

    def holds(self, event: RecordedEvent) -> bool:
        """Whether ``event`` must wait behind a parked event of its stream."""
        first = self.parked_from.get(event.stream_id)
        return first is not None and event.version > first

    def lacks_a_skipped_event(self, event: RecordedEvent) -> bool:
        """Whether an event of ``event``'s stream was skipped: a later one that fails (a line
        removed that the skipped event added) fails because of the skip, so it is parked at
        once rather than retried, and the shard does not stop for it."""
        return event.stream_id in self.skipped_streams

    def hold(self, events: Iterable[RecordedEvent]) -> None:
        """Record ``events`` as held behind their streams' parked events."""
        self.park(events, failed=False, error="")

    def park(
        self,
        events: Iterable[RecordedEvent],
        *,
        failed: bool,
        error: str,
        status: str = ParkedEvent.PARKED,
    ) -> None:
        """Add ParkedEvent rows for ``events`` (in the caller's transaction)."""
        now = timezone.now()
        rows = [
            ParkedEvent(
                projection=self.projection,
                generation=self.generation,
                shard=self.shard,
                event_id=e.event_id,
                position=e.position,
                stream_id=e.stream_id,
                version=e.version,
                event_type=e.event_type,
                status=status,
                failed=failed,
                error=error,
                parked_at=now,
            )
            for e in events
        ]
        ParkedEvent.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            self.passed.add(row.event_id)
            if status == ParkedEvent.SKIPPED:
                self.skipped_streams.add(row.stream_id)
            if status == ParkedEvent.PARKED:
                first = self.parked_from.get(row.stream_id, row.version)
                self.parked_from[row.stream_id] = min(first, row.version)
