"""Celery tasks of the carts app: closing idle carts, and housekeeping around the API."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from carts.application import abandonment
from carts.models import IdempotencyRecord

PRUNE_BATCH = 1_000


@shared_task(name="carts.abandon_idle_carts", ignore_result=True)
def abandon_idle_carts() -> int:
    """Abandon open carts idle for longer than CART_ABANDON_AFTER (actor: system)."""
    return abandonment.abandon_idle_carts()


@shared_task(name="carts.prune_idempotency_records", ignore_result=True)
def prune_idempotency_records() -> int:
    """Forget Idempotency-Key answers older than API_IDEMPOTENCY_KEEP_HOURS; returns how many.

    A key is a promise about retries, not a record of what happened (the events are that), so
    after the window a retry with an old key runs as a new command. Deleted in batches, so a
    large backlog never holds long locks.
    """
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEEP_HOURS)
    deleted = 0
    while True:
        batch = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not batch:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=batch).delete()[0]
