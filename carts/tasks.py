"""Celery tasks of the carts app: closing idle carts, and housekeeping around the API."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from carts.application.commands import Abandon
from carts.application.context import SYSTEM
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.values import CartStatus
from carts.models import IdempotencyRecord
from projections.selectors import cart_summaries

logger = logging.getLogger(__name__)

PRUNE_BATCH = 1_000


@shared_task(name="carts.abandon_idle_carts", ignore_result=True)
def abandon_idle_carts() -> int:
    """Abandon open carts idle for longer than CART_ABANDON_AFTER (actor: system)."""
    return abandon_idle()


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


def abandon_idle(*, now: datetime | None = None) -> int:
    """Record CartAbandoned (actor: system) for open carts idle too long; returns how many.

    The candidates come from the cart summaries, which may lag behind. Each abandonment is
    therefore sent with the version the summary saw as the expected version: a cart that
    changed since (an item added a second ago) is refused as stale and left alone.
    """
    idle_after = settings.CART_ABANDON_AFTER
    cutoff = (now or timezone.now()) - idle_after
    idle = cart_summaries().filter(status=CartStatus.OPEN, last_activity_at__lt=cutoff)
    abandoned = 0
    for cart_id, version in idle.values_list("cart_id", "version"):
        context = replace(SYSTEM, command_id=f"abandon-idle:{cart_id}:{version}")
        try:
            result = handle(
                Abandon(
                    cart_id=cart_id,
                    reason=f"idle for more than {idle_after}",
                    expected_version=version,
                ),
                Context.system(context),
            )
        except (errors.StaleVersion, errors.CartNotOpen, errors.CartNotFound):
            logger.info("cart %s changed since its summary was built; not abandoned", cart_id)
            continue
        abandoned += 0 if result.replayed else 1
    return abandoned
