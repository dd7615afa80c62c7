"""The daily funnel: per day, carts created, filled, checked out and abandoned, and revenue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date
from decimal import Decimal

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
from projections.models import ZERO, DailyFunnel, FunnelCart
from projections.projector import Projector, RowCache, handles


def reporting_currency() -> str:
    """The currency of DailyFunnel.revenue (setting PROJECTIONS_REPORTING_CURRENCY)."""
    return str(getattr(settings, "PROJECTIONS_REPORTING_CURRENCY", "EUR"))


def day_of(event: RecordedEvent) -> date:
    """The UTC day an event was recorded on: the same whichever server's clock reads it."""
    return event.recorded_at.astimezone(UTC).date()


class DailyFunnels(Projector):
    """Counts each day's funnel steps by the day each step happened."""

    name = "daily_funnel"
    tables = (DailyFunnel, FunnelCart)

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.days = RowCache(DailyFunnel, "day", generation)
        self.carts = RowCache(FunnelCart, "cart_id", generation)

    def prepare(self, events: Sequence[RecordedEvent]) -> None:
        carts = [e for e in events if e.stream_type == "cart"]
        self.days.load(day_of(e) for e in carts)
        self.carts.load(cart_id_of(e.stream_id) for e in carts)

    @handles(CartCreated)
    def created(self, event: RecordedEvent) -> None:
        self._day(event).carts_created += 1
        self._recompute(self._day(event))
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
        earned = day.revenue_by_currency.setdefault(data.currency, {"orders": 0, "revenue": "0"})
        earned["orders"] += 1
        earned["revenue"] = str(Decimal(earned["revenue"]) + data.total)
        self._recompute(day)

    @handles(CartAbandoned)
    def abandoned(self, event: RecordedEvent) -> None:
        self._day(event).abandoned += 1

    def flush(self) -> None:
        self.days.flush()
        self.carts.flush()

    def _day(self, event: RecordedEvent) -> DailyFunnel:
        return self.days.get_or_new(day_of(event), currency=reporting_currency())

    def _recompute(self, day: DailyFunnel) -> None:
        earned = day.revenue_by_currency.get(day.currency, {"orders": 0, "revenue": "0"})
        day.revenue = Decimal(earned["revenue"]).quantize(ZERO)
        orders = earned["orders"]
        day.average_order_value = (day.revenue / orders).quantize(ZERO) if orders else ZERO
        if day.carts_created:
            day.conversion = (Decimal(day.checked_out) / day.carts_created).quantize(
                Decimal("0.0001")
            )
