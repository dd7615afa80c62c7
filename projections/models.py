"""Projection checkpoints and the read-model tables built from the event log.

Every read-model row belongs to a *generation* of its projection. Readers only ever see the
generation that ``ProjectionState.active_generation`` points to; a rebuild fills a new
generation next to it and switches the pointer in one transaction.

Why generations and not shadow tables swapped by renaming: a rename is DDL. On PostgreSQL it
takes an ACCESS EXCLUSIVE lock that queues every reader behind it, and Django models cannot
point at two tables; on SQLite renames inside transactions have their own quirks. Generation
rows need nothing but ordinary inserts, deletes and one UPDATE of one pointer row, which are
transactional and behave the same on both backends. The price is a ``generation`` column that
leads every index.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from carts.domain.money import RECORDED_AMOUNT_DIGITS

ZERO = Decimal("0.00")


def _money() -> models.DecimalField:
    # One cart's amount: at most MAX_AMOUNT, or what a cart stored before the bound recorded.
    return models.DecimalField(max_digits=RECORDED_AMOUNT_DIGITS, decimal_places=2, default=ZERO)


def _revenue() -> models.DecimalField:
    # A sum over many carts, each up to MAX_AMOUNT: room for ten billion of them.
    return models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)


class GenerationRow(models.Model):
    """A read-model row of one generation of its projection."""

    generation = models.PositiveIntegerField()

    class Meta:
        abstract = True


class CartSummary(GenerationRow):
    """One cart as lists and filters show it: owner, status, totals, key moments."""

    cart_id = models.UUIDField()
    owner_id = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=20, default="open")
    line_count = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    subtotal = _money()
    discount = _money()
    total = _money()
    currency = models.CharField(max_length=3, blank=True, default="")
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    order_number = models.CharField(max_length=16, blank=True, default="")
    # Personal data, kept for finding an order by its customer's e-mail: the checkout details as
    # read from the log, "[erased]" once the customer was forgotten (the CustomerForgotten event
    # on the next catch-up, and on any rebuild the log itself reads so).
    contact_email = models.CharField(max_length=254, blank=True, default="")
    ship_to_country = models.CharField(max_length=2, blank=True, default="")
    version = models.PositiveIntegerField(default=0)
    # {"schema": N, "cart": Cart.to_snapshot()}: totals come from the aggregate's own rules, and
    # a state of another schema is replayed from the cart's events (see the projector).
    state = models.JSONField(default=dict)

    class Meta:
        ordering = ["-last_activity_at"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "cart_id"], name="cartsummary_cart_uniq")
        ]
        indexes = [
            models.Index(fields=["generation", "status", "-last_activity_at"], name="cs_status"),
            models.Index(fields=["generation", "owner_id", "-last_activity_at"], name="cs_owner"),
            models.Index(fields=["generation", "currency"], name="cs_currency"),
            models.Index(fields=["generation", "-last_activity_at"], name="cs_activity"),
            models.Index(fields=["generation", "total"], name="cs_total"),
            models.Index(fields=["generation", "order_number"], name="cs_order_number"),
            models.Index(fields=["generation", "contact_email"], name="cs_contact_email"),
        ]

    def __str__(self) -> str:
        return f"cart {self.cart_id} ({self.status})"


class ProductActivity(GenerationRow):
    """What shoppers did with one SKU: added, removed before checkout, bought."""

    sku = models.CharField(max_length=40)
    name = models.CharField(max_length=200, blank=True, default="")
    times_added = models.PositiveIntegerField(default=0)
    units_added = models.PositiveIntegerField(default=0)
    times_removed = models.PositiveIntegerField(default=0)
    units_removed_before_checkout = models.PositiveIntegerField(default=0)
    units_purchased = models.PositiveIntegerField(default=0)
    # Line totals as charged, before cart-level discounts (which belong to no single SKU).
    revenue = _revenue()
    currency = models.CharField(max_length=3, blank=True, default="")
    # The global position of the latest event that named the SKU: name and currency are taken
    # from it, whichever shard's batch is written last (see projections.projector.Tally).
    named_at = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "sku"], name="productactivity_sku_uniq")
        ]
        indexes = [models.Index(fields=["generation", "-units_purchased"], name="pa_purchased")]

    def __str__(self) -> str:
        return f"{self.sku}: {self.units_purchased} bought of {self.units_added} added"

    @property
    def conversion(self) -> Decimal:
        """Add-to-purchase conversion: units bought per unit added (0 when none were added)."""
        if not self.units_added:
            return Decimal("0")
        return (Decimal(self.units_purchased) / self.units_added).quantize(Decimal("0.0001"))


class DailyFunnel(GenerationRow):
    """One day of the funnel: created, with items, checked out, abandoned, revenue.

    Counts only, each summed from the changes of every shard (projections.projector.Tally);
    rates and averages are computed from them when read, so they are exact whoever wrote last.
    """

    day = models.DateField()
    carts_created = models.PositiveIntegerField(default=0)
    carts_with_items = models.PositiveIntegerField(default=0)
    checked_out = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    # Orders and revenue in ``currency`` (PROJECTIONS_REPORTING_CURRENCY); every currency's,
    # this one included, is in DailyRevenue.
    currency = models.CharField(max_length=3, blank=True, default="")
    orders = models.PositiveIntegerField(default=0)
    revenue = _revenue()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "day"], name="dailyfunnel_day_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.checked_out} of {self.carts_created} checked out"

    @property
    def average_order_value(self) -> Decimal:
        """Revenue per order in ``currency``, to the cent (0.00 without orders)."""
        return (self.revenue / self.orders).quantize(ZERO) if self.orders else ZERO

    @property
    def revenue_by_currency(self) -> dict[str, dict[str, Any]]:
        """Every currency's orders and revenue that day, as ``{"USD": {"orders": 1, "revenue":
        "3.00"}}``; one query per row unless projections.selectors.with_revenue_by_currency
        filled it for a whole page."""
        known = self.__dict__.get("_revenue_by_currency")
        if known is None:
            rows = DailyRevenue.objects.filter(generation=self.generation, day=self.day)
            known = revenue_map(rows)
            self.__dict__["_revenue_by_currency"] = known
        return known

    @property
    def conversion(self) -> Decimal:
        """Carts checked out per cart created that day, to 4 places (0 when none was created)."""
        if not self.carts_created:
            return Decimal("0")
        return (Decimal(self.checked_out) / self.carts_created).quantize(Decimal("0.0001"))


class DailyRevenue(GenerationRow):
    """One day's orders and revenue in one currency."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    revenue = _revenue()

    class Meta:
        ordering = ["day", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["generation", "day", "currency"], name="dailyrevenue_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.revenue} {self.currency} in {self.orders} orders"


def revenue_map(rows: Iterable[DailyRevenue]) -> dict[str, dict[str, Any]]:
    """DailyRevenue rows of one day as DailyFunnel.revenue_by_currency shows them."""
    return {r.currency: {"orders": r.orders, "revenue": str(r.revenue)} for r in rows}


class FunnelCart(GenerationRow):
    """The daily funnel's private memory of a cart: whether it has had items yet."""

    cart_id = models.UUIDField()
    has_had_items = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["generation", "cart_id"], name="funnelcart_cart_uniq")
        ]

    def __str__(self) -> str:
        return f"funnel cart {self.cart_id}"


# Progress (checkpoints per shard, parked events, decisions) lives in projections.state, and
# webhook subscriptions and their delivery log in projections.webhooks; imported here so Django
# finds them among this app's models.
from projections.state import (  # noqa: E402
    ParkedEvent,
    ProjectionDecision,
    ProjectionShard,
    ProjectionState,
    RelayState,
)
from projections.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: E402

__all__ = [
    "CartSummary",
    "DailyFunnel",
    "DailyRevenue",
    "FunnelCart",
    "ParkedEvent",
    "ProductActivity",
    "ProjectionDecision",
    "ProjectionShard",
    "ProjectionState",
    "RelayState",
    "WebhookDelivery",
    "WebhookSubscription",
]
