"""Celery tasks of the carts app: closing idle carts, order confirmations, and housekeeping
around the API."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from carts.application.commands import Abandon
from carts.application.context import SYSTEM
from carts.application.handler import Context, handle
from carts.application.selectors import CHECKED_OUT
from carts.domain import errors
from carts.domain.values import CartStatus
from carts.models import IdempotencyRecord, OrderConfirmation
from carts.web import order_mail
from eventstore.models import Event
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
    request that placed the order does not wait for retries: the failure is logged. Each
    failure is noted in OrderConfirmation, and a confirmation still unsettled once overdue is
    asked for again by sweep_order_confirmations. One settled is not sent again; a worker lost
    between the send and the note may send it twice.
    """
    order = UUID(cart_id)
    try:
        if OrderConfirmation.objects.filter(cart_id=order, settled_at__isnull=False).exists():
            return False  # sent already (a task delivered twice, or asked again by the sweep)
        sent = order_mail.send_order_confirmation(order)
    except (smtplib.SMTPException, OSError, DatabaseError) as exc:
        # A database that went away (a restart, a fail-over) is back in seconds, a mail server
        # that refuses maybe in minutes.
        pause = 5 if isinstance(exc, DatabaseError) else 60
        countdown = pause * 2**self.request.retries
        _note_attempt(order, f"{type(exc).__name__}: {exc}", countdown)
        if self.request.is_eager or self.request.retries >= CONFIRMATION_RETRIES:
            logger.warning("could not send the order confirmation of cart %s: %s", cart_id, exc)
            return False  # the sweep asks again once it is due
        raise self.retry(exc=exc, countdown=countdown) from exc
    _settle(order, OrderConfirmation.SENT if sent else OrderConfirmation.NOTHING)
    return sent


def _settle(cart_id: UUID, outcome: str) -> None:
    OrderConfirmation.objects.update_or_create(
        cart_id=cart_id, defaults={"settled_at": timezone.now(), "outcome": outcome, "due_at": None}
    )


def _note_attempt(cart_id: UUID, error: str, countdown: float) -> None:
    """Count a failed attempt; the sweep leaves the order alone until its retry is overdue."""
    try:
        row, _ = OrderConfirmation.objects.get_or_create(cart_id=cart_id)
        row.attempts += 1
        row.outcome = error[:500]
        row.due_at = timezone.now() + timedelta(seconds=countdown) + _grace()
        row.save()
    except DatabaseError:
        logger.warning("could not note the failed confirmation of cart %s", cart_id)


def _grace() -> timedelta:
    return timedelta(minutes=settings.ORDER_CONFIRMATION_GRACE_MINUTES)


@shared_task(name="carts.sweep_order_confirmations", ignore_result=True)
def sweep_order_confirmations(*, now: datetime | None = None) -> int:
    """Ask again for each confirmation that is overdue; returns how many were asked for.

    An order is overdue when its CartCheckedOut is older than ORDER_CONFIRMATION_GRACE_MINUTES
    (its task had time to run) and newer than ORDER_CONFIRMATION_SWEEP_HOURS, its confirmation
    is not settled, and no retry of it is due later. Such a task was lost (with a broker's
    queue that did not persist, a worker lost mid-send past its retries) or never queued (the
    broker was away). Each is claimed for another grace period before it is asked for, so
    sweeps do not pile up while it runs; at most SWEEP_BATCH per run, oldest first.
    """
    now = now or timezone.now()
    since = now - timedelta(hours=settings.ORDER_CONFIRMATION_SWEEP_HOURS)
    placed = Event.objects.filter(
        event_type=CHECKED_OUT, recorded_at__gte=since, recorded_at__lt=now - _grace()
    ).order_by("recorded_at")
    overdue: list[UUID] = []
    for chunk in _chunks(placed.values_list("stream_id", flat=True).iterator(), SWEEP_BATCH):
        carts = [UUID(stream_id.removeprefix("cart-")) for stream_id in chunk]
        waiting = set(
            OrderConfirmation.objects.filter(cart_id__in=carts)
            .filter(Q(settled_at__isnull=False) | Q(due_at__gt=now))
            .values_list("cart_id", flat=True)
        )
        overdue += [cart_id for cart_id in carts if cart_id not in waiting]
        if len(overdue) >= SWEEP_BATCH:
            break
    overdue = overdue[:SWEEP_BATCH]
    for cart_id in overdue:
        OrderConfirmation.objects.update_or_create(
            cart_id=cart_id, defaults={"due_at": now + _grace()}
        )
        enqueue_order_confirmation(cart_id=cart_id)
    if overdue:
        logger.warning("asked again for %s overdue order confirmations", len(overdue))
    return len(overdue)


def _chunks(items: Iterator[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


SWEEP_BATCH = 200


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
