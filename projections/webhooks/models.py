"""Webhook subscriptions and their delivery log (imported by projections.models).

A subscription follows the global log from its own checkpoint, as a projection does. Its
checkpoint moves past an event only once the receiver answered 2xx, in the same transaction as
the delivery row that says so (see projections.webhooks.delivery).
"""

from __future__ import annotations

import uuid

from django.db import models

from projections.webhooks.signing import new_secret


class WebhookSubscription(models.Model):
    """Where to deliver which events, the secrets to sign them with, and how far it got."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        PAUSED = "paused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    description = models.CharField(max_length=200, blank=True, default="")
    target_url = models.URLField(max_length=2000)
    # Event type names (cart.ItemAdded) and stream types (cart) to deliver; empty: all of them.
    event_types = models.JSONField(default=list, blank=True)
    stream_types = models.JSONField(default=list, blank=True)
    # Standard Webhooks secrets, "whsec_" + base64. The previous one is still signed with until
    # previous_secret_expires_at, so a receiver can switch over without refusing a delivery.
    secret = models.CharField(max_length=100, default=new_secret)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_reason = models.TextField(blank=True, default="")
    paused_at = models.DateTimeField(null=True, blank=True)
    # An opaque checkpoint of eventstore.store.read_all; "" is the start of the log.
    checkpoint = models.CharField(max_length=60, blank=True, default="")
    # Failed attempts at the event just after the checkpoint, and when to try it again.
    attempts = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A runner sending now holds the lease; one killed mid-request lets it lapse (see delivery).
    lease_token = models.CharField(max_length=40, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.description or self.target_url} ({self.status})"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription, and how it went."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered"  # 2xx: the checkpoint moved past the event
        RETRYING = "retrying"  # timeout, connection error, 408, 429 or 5xx: tried again later
        FAILED = "failed"  # refused for good, or retries ran out: the subscription is paused
        REFUSED = "refused"  # the target resolved to an address not allowed: paused
        REDELIVERED = "redelivered"  # a redelivery asked for by staff (2xx); checkpoint untouched
        REDELIVERY_FAILED = "redelivery_failed"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    position = models.BigIntegerField()
    event_type = models.CharField(max_length=100)
    stream_id = models.CharField(max_length=200)
    attempt = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    attempted_at = models.DateTimeField()

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "-attempted_at"], name="webhook_delivery_sub"),
            models.Index(fields=["event_id"], name="webhook_delivery_event"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} #{self.position} attempt {self.attempt}: {self.outcome}"
