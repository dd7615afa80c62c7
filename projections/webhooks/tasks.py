"""Celery tasks for webhooks, and the wake-up after a commit. Thin: they call the delivery.

Without a broker (CELERY_BROKER_URL unset, tasks run eagerly in-process) a commit wakes
nothing: delivering there would make the shopper's request wait for a receiver, possibly for a
whole timeout. Deliveries are then driven by ``manage.py webhooks deliver`` (once, or
``--follow``). With a broker, a commit asks for a delivery run from a background thread
(projections.waker), and beat runs one every WEBHOOKS_DELIVER_SECONDS as well: the safety net
for a lost message and the clock that drives retries.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from projections.tasks import claim_pending, clear_pending
from projections.waker import Waker
from projections.webhooks import delivery, redelivery
from projections.webhooks.models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(subscription_id: str | None = None) -> int:
    """Deliver one subscription's due events (returns how many), or, without an id, ask for a
    run of every subscription that is due (returns how many were asked for)."""
    if subscription_id is not None:
        return delivery.deliver(UUID(subscription_id))
    # Due subscriptions are looked up after this, so a commit from now on must ask again.
    clear_pending(*PENDING)
    due = due_subscriptions()
    for each in due:
        # One task per subscription, so a slow receiver holds up no other subscription.
        deliver.apply_async(args=(str(each),), retry=False)
    return len(due)


@shared_task(name="webhooks.redeliver", ignore_result=True)
def redeliver(delivery_id: int) -> None:
    """Send the event of one logged delivery again (the admin's "redeliver")."""
    redelivery.redeliver(delivery_id)


@shared_task(name="webhooks.prune_log", ignore_result=True)
def prune_log() -> int:
    """Delete delivery log rows older than WEBHOOKS_LOG_KEEP_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOKS_LOG_KEEP_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(attempted_at__lt=cutoff).delete()
    return deleted


def due_subscriptions() -> list[UUID]:
    """Active subscriptions that no live runner holds and that wait for no retry."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        WebhookSubscription.objects.filter(free, ready, status=WebhookSubscription.Status.ACTIVE)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    )


def enqueue_delivery(**kwargs: object) -> None:
    """After a commit (eventstore's events_committed): with a broker, ask for a delivery run
    without waiting for it; without one, nothing (see the module's docstring)."""
    if deliver.app.conf.task_always_eager:
        return
    waker.wake()


def _wake_deliveries() -> None:
    # Commits coalesce as the projections' catch-ups do: one delivery run queued at a time.
    # Without that every web process queued up to 20 a second, found no subscription due, and
    # held the projections' catch-ups up behind them in the same queue (bench B8). A shop
    # without an active subscription queues none at all.
    if not _subscribed() or not claim_pending(*PENDING):
        return
    try:
        deliver.apply_async(retry=False)
    except Exception:
        logger.warning("could not enqueue webhook delivery; the periodic run will", exc_info=True)


# Whether any subscription is active, as read at the monotonic time noted; read afresh after
# SUBSCRIBED_SECONDS, or at once when this process changes a subscription. A subscription
# made in another process is woken for within that time (and by beat meanwhile).
_active: tuple[float, bool] = (0.0, False)
SUBSCRIBED_SECONDS = 5.0


def _subscribed() -> bool:
    global _active
    read_at, active = _active
    if not read_at or time.monotonic() - read_at > SUBSCRIBED_SECONDS:
        try:
            status = WebhookSubscription.Status.ACTIVE
            active = WebhookSubscription.objects.filter(status=status).exists()
        except DatabaseError:
            active = True  # let the delivery run find out
            connection.close()  # this thread's: no request ends to close it once it failed
        _active = (time.monotonic(), active)
    return active


@receiver(post_save, sender=WebhookSubscription)
@receiver(post_delete, sender=WebhookSubscription)
def forget_subscribed(**kwargs: object) -> None:
    """Look the active subscriptions up afresh at the next wake."""
    global _active
    _active = (0.0, False)


# The pending flag of the delivery run (projections.tasks.claim_pending).
PENDING = ("webhooks.deliver", 0)
# At most 20 runs asked for per second and process, however many commits there are.
waker = Waker(_wake_deliveries, name="webhooks-waker", pause=0.05)
