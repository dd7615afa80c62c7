"""Celery tasks of the carts app: closing idle carts, order confirmations, and housekeeping
around the API."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from carts.application.commands import Abandon
from carts.application.context import SYSTEM
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.values import CartStatus
from carts.models import IdempotencyRecord
from carts.web import order_mail
from projections.selectors import cart_summaries

logger = logging.getLogger(__name__)

PRUNE_BATCH = 1_000
# A mail server that is down or refuses for a while is tried again this many times.
CONFIRMATION_RETRIES = 6


@shared_task(name="carts.abandon_idle_carts", ignore_result=True)
def abandon_idle_carts() -> int:
    """Abandon open carts idle for longer than CART_ABANDON_AFTER (actor: system)."""
    return abandon_idle()


@shared_task(
    name="carts.send_order_confirmation",
    bind=True,
    ignore_result=True,
    max_retries=CONFIRMATION_RETRIES,
)
def send_order_confirmation(self: Task, cart_id: str) -> bool:  # type: ignore[type-arg]
    """E-mail the confirmation of the order ``cart_id`` (a UUID string); whether one was sent.

    See carts.web.order_mail. A mail server that cannot be reached is tried again
    after 1, 2, 4, ... minutes by a worker, a database error (the order is read before the
    message goes, never after) after 5, 10, 20, ... seconds; run in-process (no broker), the
    request that placed the order does not wait for retries: the failure is logged. A task
    delivered twice (acks late, a worker lost mid-send) may send the message twice.
    """
    try:
        return order_mail.send_order_confirmation(UUID(cart_id))
    except (smtplib.SMTPException, OSError, DatabaseError) as exc:
        if self.request.is_eager:
            logger.warning("could not send the order confirmation of cart %s: %s", cart_id, exc)
            return False
        # A database that went away (a restart, a fail-over) is back in seconds, a mail server
        # that refuses maybe in minutes.
        pause = 5 if isinstance(exc, DatabaseError) else 60
        raise self.retry(exc=exc, countdown=pause * 2**self.request.retries) from exc


def enqueue_order_confirmation(*, cart_id: UUID, **kwargs: Any) -> None:
    """Ask for the confirmation of a placed order, without ever failing the checkout.

    Connected to confirmation.order_placed, sent after the checkout committed. Without a broker
    the task runs here and now (eager mode). A broker that cannot be reached is logged: the
    order stands, and its confirmation can be sent again from the cart's id.
    """
    try:
        send_order_confirmation.apply_async((str(cart_id),), retry=False)
    except Exception:
        logger.exception("could not enqueue the order confirmation of cart %s", cart_id)


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
