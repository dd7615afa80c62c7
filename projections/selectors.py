"""Reading the projections: read models, status and lag, and waiting for a position.

Every read-model query filters on the active generation through a subquery, so that one SQL
statement reads the pointer and the rows from the same snapshot: a rebuild that switches
generations in between can never make a query see half of each, or nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from django.db.models import QuerySet, Subquery

from projections.models import (
    CartSummary,
    DailyFunnel,
    DailyRevenue,
    GenerationRow,
    ProductActivity,
    ProjectionState,
    revenue_map,
)
from projections.registry import names as projection_names
from projections.status import (
    CATCHING_UP,
    FAILING,
    LIVE,
    REBUILDING,
    STALLED,
    ProjectionStatus,
    RebuildProgress,
    ShardStatus,
    behind_committed_events,
    failing_projections,
    projection_includes,
    projection_statuses,
    unread_after,
)

Row = TypeVar("Row", bound=GenerationRow)

__all__ = [
    "CATCHING_UP",
    "FAILING",
    "LIVE",
    "REBUILDING",
    "STALLED",
    "ProjectionStatus",
    "RebuildProgress",
    "ShardStatus",
    "behind_committed_events",
    "failing_projections",
    "projection_includes",
    "projection_statuses",
    "unread_after",
]


def cart_summaries() -> QuerySet[CartSummary]:
    """Cart summaries of the active generation, most recently active first."""
    return _active(CartSummary, "cart_summaries")


def product_activity() -> QuerySet[ProductActivity]:
    """Product activity per SKU, of the active generation."""
    return _active(ProductActivity, "product_activity")


def daily_funnel() -> QuerySet[DailyFunnel]:
    """The daily funnel of the active generation, latest day first."""
    return _active(DailyFunnel, "daily_funnel")


def with_revenue_by_currency(days: Sequence[DailyFunnel]) -> Sequence[DailyFunnel]:
    """Fill ``revenue_by_currency`` of these rows (of one generation) in one query."""
    if not days:
        return days
    found: dict[date, list[DailyRevenue]] = {}
    rows = DailyRevenue.objects.filter(
        generation=days[0].generation, day__in=[d.day for d in days]
    ).order_by("currency")
    for row in rows:
        found.setdefault(row.day, []).append(row)
    for day in days:
        day.__dict__["_revenue_by_currency"] = revenue_map(found.get(day.day, []))
    return days


def _active(model: type[Row], name: str) -> QuerySet[Row]:
    pointer = ProjectionState.objects.filter(name=name).values("active_generation")[:1]
    return model._default_manager.filter(generation=Subquery(pointer))


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
