"""Sending one event again on request (the admin's "redeliver"), outside the checkpoint.

A redelivery is the same message (same ``webhook-id``, freshly signed and timestamped) sent
once more; it is logged as its own attempt and never moves the subscription's checkpoint nor
changes its retry state, so it cannot reorder or skip anything.
"""

from __future__ import annotations

from uuid import UUID

from django.db import connection
from django.utils import timezone

from eventstore.models import Event
from eventstore.rows import SELECT_EVENTS, decode_event
from eventstore.store import RecordedEvent
from projections.webhooks import transport
from projections.webhooks.delivery import log_attempt
from projections.webhooks.models import WebhookDelivery
from projections.webhooks.sending import send

Outcome = WebhookDelivery.Outcome


def redeliver(delivery_id: int) -> WebhookDelivery:
    """Send the event of delivery ``delivery_id`` again now; returns the new attempt's row.

    Raises WebhookDelivery.DoesNotExist, and Event.DoesNotExist if the event is gone.
    """
    original = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    sub = original.subscription
    event = read_event(original.event_id)
    with transport.new_client() as client:
        answer = send(sub, event, client)
    outcome = Outcome.REDELIVERED if answer.succeeded else Outcome.REDELIVERY_FAILED
    attempt = 1 + WebhookDelivery.objects.filter(subscription=sub, event_id=event.event_id).count()
    return log_attempt(sub, event, answer, outcome, timezone.now(), attempt=attempt)


def read_event(event_id: UUID) -> RecordedEvent:
    """One event of the log by its id, as read_all gives it (upcast)."""
    position = Event.objects.filter(event_id=event_id).values_list("position", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute(f"{SELECT_EVENTS} WHERE position = %s", [position])
        return decode_event(cursor.fetchone())
