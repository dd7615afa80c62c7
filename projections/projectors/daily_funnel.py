"""The daily funnel: per day, carts created, filled, checked out and abandoned, and revenue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date

from django.conf import settings

from carts.domain.events import (
    CartAbandoned,
    CartCheckedOut,
    CartCreated,
    CartMergedFrom,
    ItemAdded,
    cart_id_of,
)
from eventstore.store import RecordedEvent
from projections.models import DailyFunnel, DailyRevenue, FunnelCart
from projections.projector import Projector, RowCache, Tally, handles

DAY_COUNTS = ("carts_created", "carts_with_items", "checked_out", "abandoned", "orders", "revenue")


def reporting_currency() -> str:
    """The currency of DailyFunnel.revenue (setting PROJECTIONS_REPORTING_CURRENCY)."""
    return str(getattr(settings, "PROJECTIONS_REPORTING_CURRENCY", "EUR"))


def day_of(event: RecordedEvent) -> date:
    """The UTC day an event was recorded on: the same whichever server's clock reads it."""
    return event.recorded_at.astimezone(UTC).date()


class DailyFunnels(Projector):
    """Counts each day's funnel steps by the day each step happened.

    A day's row is shared by every cart, so it is written as changes (Tally); whether a cart
    has had items is the cart's own row, kept by the one shard that holds its stream.
    """

    name = "daily_funnel"
    linger_seconds = 1.0  # staff analytics: a second behind is fresh enough
    tables = (DailyFunnel, DailyRevenue, FunnelCart)

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.days = Tally(DailyFunnel, "day", generation, added=DAY_COUNTS)
        self.revenue = Tally(
            DailyRevenue, ("day", "currency"), generation, added=("orders", "revenue")
        )
        self.carts = RowCache(FunnelCart, "cart_id", generation)

    def prepare(self, events: Sequence[RecordedEvent]) -> None:
        self.carts.load(cart_id_of(e.stream_id) for e in events if e.stream_type == "cart")

    @handles(CartCreated)
    def created(self, event: RecordedEvent) -> None:
        self._day(event).carts_created += 1
        self.carts.get_or_new(cart_id_of(event.stream_id))

    @handles(ItemAdded, CartMergedFrom)
    def filled(self, event: RecordedEvent) -> None:
        if isinstance(event.data, CartMergedFrom) and not event.data.lines:
            return  # a merge that carried nothing over (it recorded what stayed behind)
        cart = self.carts.get_or_new(cart_id_of(event.stream_id))
        if not cart.has_had_items:
            cart.has_had_items = True
            self._day(event).carts_with_items += 1

    @handles(CartCheckedOut)
    def checked_out(self, event: RecordedEvent) -> None:
        data: CartCheckedOut = event.data
        day = self._day(event)
        day.checked_out += 1
        if data.currency == day.currency:
            day.orders += 1
            day.revenue += data.total
        earned = self.revenue.row((day_of(event), data.currency))
        earned.orders += 1
        earned.revenue += data.total

    @handles(CartAbandoned)
    def abandoned(self, event: RecordedEvent) -> None:
        self._day(event).abandoned += 1

    def flush(self) -> None:
        # Always in this order, so that shards lock shared rows in one order (see Tally).
        self.days.flush()
        self.revenue.flush()
        self.carts.flush()

    def _day(self, event: RecordedEvent) -> DailyFunnel:
        return self.days.row(day_of(event), currency=reporting_currency())
