"""The global event feed: the store's gap-free log, narrowed by filters, resumable anywhere.

Pages come from eventstore's ``read_all`` and nothing else, so the feed inherits its guarantee:
resuming from a checkpoint never skips a committed event and never repeats one, even while
writers commit out of position order. Filters only decide which events of a page are shown; the
checkpoint handed back always moves past every event looked at, shown or not, so a filtered
reader resumes exactly where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from carts.api.filters import EventFeedFilter
from eventstore.models import Event
from eventstore.store import RecordedEvent, read_all

# How many events one request looks at, at most, when filters hide most of them: a page may come
# back short (even empty) with has_more true, and the client simply asks again.
SCAN_BUDGET = 5000
FILTERED_BATCH = 500


@dataclass(frozen=True)
class FeedPage:
    """Events to show, the checkpoint after everything looked at, and whether more may follow."""

    events: list[RecordedEvent]
    checkpoint: str
    has_more: bool


def read_feed(*, after: str, limit: int, filters: EventFeedFilter) -> FeedPage:
    """Up to ``limit`` matching events after ``after``; raises ValueError for a bad checkpoint."""
    shown: list[RecordedEvent] = []
    checkpoint, scanned = after, 0
    batch = FILTERED_BATCH if filters.narrows else limit
    while scanned < SCAN_BUDGET:
        page = read_all(after=checkpoint, limit=batch)
        matching = _matching(page.events, filters)
        for event in page.events:
            checkpoint = event.checkpoint
            if event.position in matching:
                shown.append(event)
                if len(shown) == limit:
                    return FeedPage(shown, checkpoint, has_more=True)
        scanned += len(page.events)
        if len(page.events) < batch:
            return FeedPage(shown, checkpoint, has_more=False)
    return FeedPage(shown, checkpoint, has_more=True)


def _matching(events: list[RecordedEvent], filters: EventFeedFilter) -> set[int]:
    positions = [event.position for event in events]
    if not filters.narrows or not positions:
        return set(positions)
    found = filters.filter_queryset(Event.objects.filter(position__in=positions))
    return set(found.values_list("position", flat=True))
