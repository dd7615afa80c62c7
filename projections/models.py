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

from decimal import Decimal

from django.db import models

from carts.domain.money import RECORDED_AMOUNT_DIGITS

ZERO = Decimal("0.00")


def _money() -> models.DecimalField:
    # One cart's amount: at most MAX_AMOUNT, or what a cart stored before the bound recorded.
    return models.DecimalField(max_digits=RECORDED_AMOUNT_DIGITS, decimal_places=2, default=ZERO)


def _revenue() -> models.DecimalField:
    # A sum over many carts, each up to MAX_AMOUNT: room for ten billion of them.
    return models.DecimalField(max_digits=20, decimal_places=2, default=ZERO)


class ProjectionState(models.Model):
    """One projection's checkpoint, active generation, failure and rebuild progress."""

    name = models.CharField(max_length=100, primary_key=True)
    active_generation = models.PositiveIntegerField(default=1)
    # An opaque checkpoint of eventstore.store.read_all; "" is the start of the log.
    checkpoint = models.CharField(max_length=60, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    failed_position = models.BigIntegerField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    rebuild_generation = models.PositiveIntegerField(null=True, blank=True)
    rebuild_checkpoint = models.CharField(max_length=60, blank=True, default="")
    rebuild_started_at = models.DateTimeField(null=True, blank=True)
    rebuild_error = models.TextField(blank=True, default="")
    # Written with every batch a rebuild commits: a rebuild whose heartbeat is older than
    # projections.rebuild.stale_after() was killed or hangs, and is shown as stalled.
    rebuild_heartbeat_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (generation {self.active_generation})"


class RelayState(models.Model):
    """One relay's checkpoint: where its broker's copy of the log ends (see projections.relay).

    Moved only after the broker acknowledged every event up to it, and only forward from the
    value the relay last read (compare and set), so two relays started by mistake never move it
    back; the broker's de-duplication by event id absorbs what both publish.
    """

    # The sink's name, e.g. "nats:LEDGER_EVENTS": each broker stream keeps its own checkpoint.
    name = models.CharField(max_length=100, primary_key=True)
    # An opaque checkpoint of eventstore.store.read_all; "" is the start of the log.
    checkpoint = models.CharField(max_length=60, blank=True, default="")
    published = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"relay {self.name} at {self.checkpoint or 'the start'}"


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
    """One day of the funnel: created, with items, checked out, abandoned, revenue."""

    day = models.DateField()
    carts_created = models.PositiveIntegerField(default=0)
    carts_with_items = models.PositiveIntegerField(default=0)
    checked_out = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    # Revenue and average order value in ``currency`` (PROJECTIONS_REPORTING_CURRENCY); orders
    # in other currencies are in ``revenue_by_currency`` as {"USD": {"orders": 1, "revenue": ..}}.
    currency = models.CharField(max_length=3, blank=True, default="")
    revenue = _revenue()
    average_order_value = _money()
    conversion = models.DecimalField(max_digits=9, decimal_places=4, default=Decimal("0"))
    revenue_by_currency = models.JSONField(default=dict)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "day"], name="dailyfunnel_day_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.checked_out} of {self.carts_created} checked out"


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


# Webhook subscriptions and their delivery log live in projections.webhooks; imported here so
# Django finds them among this app's models.
from projections.webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: E402

__all__ = [
    "CartSummary",
    "DailyFunnel",
    "FunnelCart",
    "ProductActivity",
    "ProjectionState",
    "WebhookDelivery",
    "WebhookSubscription",
]
