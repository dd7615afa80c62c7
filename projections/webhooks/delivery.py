"""Delivering a subscription's events from its checkpoint, in log order, at least once.

One event at a time per subscription, strictly in log order: an event is sent only once every
earlier matching one was answered 2xx. That keeps each cart's events in order at the receiver
(every cart is one stream, and a stream's events are in the log in version order) at the price
of head-of-line blocking: while one event is being retried, the subscription waits.

A run has three steps, none holding a transaction while the network is used:

1. claim: under the subscription's runner lock, read the next matching events after its
   checkpoint and take a lease on it (``lease_token``, ``lease_until``), so that a second
   runner (a periodic run, a wake-up after a commit) leaves it alone;
2. send each event (projections.webhooks.sending), signed with every secret in use;
3. record each answer: the delivery row, and on 2xx the new checkpoint, in one transaction.
   The checkpoint moves only if this runner still holds the lease and the checkpoint is still
   the one it claimed from (a replay or another runner may have moved it meanwhile).

A worker killed between 2 and 3 leaves the checkpoint before the event it sent; once its lease
lapses the next run sends that event again, with the same ``webhook-id`` (the event id), so
the receiver can tell the repeat. That is the "at least once" of the specification.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from eventstore.backends import backend_for
from eventstore.store import RecordedEvent, read_all
from observability import metrics
from projections import locks
from projections.webhooks import retries, transport
from projections.webhooks.models import WebhookDelivery, WebhookSubscription
from projections.webhooks.sending import checked_target, send

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Outcome = WebhookDelivery.Outcome
# Events read from the log per page, events claimed per run, and how many events a claim reads
# at most while looking for one that matches (the checkpoint moves past the rest).
PAGE = 500
BATCH = 100
SCAN_BUDGET = 5000


@dataclass
class Claim:
    """A runner's hold on one subscription: the events to send and where it stands now."""

    subscription: WebhookSubscription
    token: str
    cursor: str
    events: list[RecordedEvent] = field(default_factory=list)


def runner_lock(subscription_id: UUID) -> str:
    return f"webhook:{subscription_id}"


def lease_length() -> timedelta:
    """Longer than one request may take (connect, write, read), with a margin: past it a
    runner is presumed dead and another may send the same event again."""
    seconds = settings.WEBHOOKS_CONNECT_TIMEOUT + 2 * settings.WEBHOOKS_READ_TIMEOUT + 30
    return timedelta(seconds=seconds)


def deliver(subscription_id: UUID, *, clock: Clock = timezone.now, limit: int = 1000) -> int:
    """Send a subscription's due events until none is left, one fails or ``limit`` were
    delivered; returns how many were delivered (answered 2xx)."""
    delivered = 0
    with transport.new_client() as client:
        while delivered < limit:
            claim = claim_next(subscription_id, now=clock())
            if claim is None:
                return delivered
            try:
                # Resolved and checked once per claim: every event of it goes to that address.
                target = checked_target(claim.subscription)
                for event in claim.events:
                    answer = send(claim.subscription, event, client, target=target)
                    if not record(claim, event, answer, now=clock()):
                        return delivered
                    delivered += 1
            finally:
                release(claim)
    return delivered


def claim_next(subscription_id: UUID, *, now: datetime) -> Claim | None:
    """Lease the subscription and return its next matching events; None when it is paused,
    leased by a live runner, waiting for a retry, or has nothing to send."""
    with transaction.atomic():
        locks.hold(runner_lock(subscription_id))
        sub = WebhookSubscription.objects.filter(pk=subscription_id).first()
        if sub is None or sub.status != WebhookSubscription.Status.ACTIVE:
            return None
        if sub.lease_until is not None and sub.lease_until > now:
            return None
        if sub.next_attempt_at is not None and sub.next_attempt_at > now:
            return None
        events, scanned_to = next_matching(sub)
        if not events:
            if scanned_to != sub.checkpoint:
                sub.checkpoint = scanned_to
                sub.save(update_fields=["checkpoint", "updated_at"])
            return None
        sub.lease_token = secrets.token_hex(16)
        sub.lease_until = now + lease_length()
        sub.save(update_fields=["lease_token", "lease_until", "updated_at"])
        return Claim(sub, sub.lease_token, sub.checkpoint, events)


def next_matching(sub: WebhookSubscription) -> tuple[list[RecordedEvent], str]:
    """Up to BATCH events after the checkpoint that the subscription wants, and the checkpoint
    after every event looked at (at most SCAN_BUDGET of them)."""
    found: list[RecordedEvent] = []
    checkpoint, scanned = sub.checkpoint, 0
    while scanned < SCAN_BUDGET:
        page = read_all(checkpoint, limit=PAGE)
        for event in page.events:
            if wanted(sub, event):
                found.append(event)
                if len(found) == BATCH:
                    return found, event.checkpoint
        checkpoint, scanned = page.checkpoint, scanned + len(page.events)
        if found or len(page.events) < PAGE:
            break
    return found, checkpoint


def wanted(sub: WebhookSubscription, event: RecordedEvent) -> bool:
    """Whether the subscription's filters let ``event`` through (an empty filter lets all)."""
    if sub.event_types and event.event_type not in sub.event_types:
        return False
    return not sub.stream_types or event.stream_type in sub.stream_types


def record(claim: Claim, event: RecordedEvent, answer: transport.Answer, *, now: datetime) -> bool:
    """Write the attempt and, on 2xx, the new checkpoint, in one transaction; True when the
    runner may go on with the next event of its claim."""
    if answer.succeeded and _advance(claim, event, answer, now=now):
        return True
    with transaction.atomic():
        locks.hold(runner_lock(claim.subscription.pk))
        sub = WebhookSubscription.objects.filter(pk=claim.subscription.pk).first()
        if sub is None:
            # Deleted while the request was out: nothing left to record progress on.
            logger.info(
                "webhook %s was deleted while sending #%s", claim.subscription.pk, event.position
            )
            return False
        held = sub.lease_token == claim.token and sub.checkpoint == claim.cursor
        outcome = _outcome(sub, answer) if held else _outcome_unheld(answer)
        log_attempt(sub, event, answer, outcome, now, attempt=sub.attempts + 1 if held else 0)
        if not held:
            logger.warning("webhook %s moved on while sending #%s", sub.pk, event.position)
            return False
        if outcome == Outcome.DELIVERED:
            sub.checkpoint = claim.cursor = event.checkpoint
            sub.attempts, sub.first_failed_at, sub.next_attempt_at = 0, None, None
        elif outcome == Outcome.RETRYING:
            sub.attempts += 1
            sub.first_failed_at = sub.first_failed_at or now
            sub.next_attempt_at = now + retries.delay_after(sub.attempts)
        else:
            sub.attempts += 1
            pause(sub, _pause_reason(event, answer, sub.attempts), now=now)
        sub.save(update_fields=[*_PROGRESS_FIELDS, *_PAUSE_FIELDS])
        return False  # a paused subscription, or one waiting for a retry, stops here


_PROGRESS_FIELDS = ["checkpoint", "attempts", "first_failed_at", "next_attempt_at", "updated_at"]
_PAUSE_FIELDS = ["status", "paused_reason", "paused_at"]


def _advance(
    claim: Claim, event: RecordedEvent, answer: transport.Answer, *, now: datetime
) -> bool:
    """The common case, a 2xx to a runner that still holds an active subscription: move the
    checkpoint with one conditional UPDATE (no lock, no read) beside the log row; False, with
    nothing written, when anything changed meanwhile (the caller then takes the slow path)."""
    with transaction.atomic():
        _relax_commit()
        moved = WebhookSubscription.objects.filter(
            pk=claim.subscription.pk,
            lease_token=claim.token,
            checkpoint=claim.cursor,
            status=WebhookSubscription.Status.ACTIVE,
        ).update(
            checkpoint=event.checkpoint,
            attempts=0,
            first_failed_at=None,
            next_attempt_at=None,
            lease_until=now + lease_length(),
            updated_at=now,
        )
        if not moved:
            return False
        attempt = claim.subscription.attempts + 1
        log_attempt(claim.subscription, event, answer, Outcome.DELIVERED, now, attempt=attempt)
    claim.cursor, claim.subscription.attempts = event.checkpoint, 0
    return True


def _relax_commit() -> None:
    # The commit need not wait for the disk. A crash of the database may then lose the last
    # fraction of a second of checkpoint moves (and their log rows): those events are sent
    # again with the same webhook-id, never skipped, which is what at least once allows.
    # Waiting for the disk cost more than the request itself.
    backend_for(connection).commit_without_waiting_for_disk(connection)


def _outcome(sub: WebhookSubscription, answer: transport.Answer) -> str:
    if answer.succeeded:
        return Outcome.DELIVERED
    if answer.error.startswith("refused:"):
        return Outcome.REFUSED
    if retries.retryable(answer) and sub.attempts + 1 < retries.attempts_allowed():
        return Outcome.RETRYING
    return Outcome.FAILED


def _outcome_unheld(answer: transport.Answer) -> str:
    return Outcome.DELIVERED if answer.succeeded else Outcome.RETRYING


def _pause_reason(event: RecordedEvent, answer: transport.Answer, attempts: int) -> str:
    said = f"answered {answer.status}" if answer.status is not None else answer.error
    if answer.error.startswith("refused:"):
        return f"{event.event_type} #{event.position} not sent: {said}"[:2000]
    return (
        f"{event.event_type} #{event.position} ({event.event_id}) failed after {attempts}"
        f" attempt(s): the receiver {said}. Resume to try it again; nothing after it was skipped."
    )[:2000]


def pause(sub: WebhookSubscription, reason: str, *, now: datetime) -> None:
    """Mark ``sub`` paused with the reason staff will see (the caller saves it)."""
    sub.status = WebhookSubscription.Status.PAUSED
    sub.paused_reason = reason
    sub.paused_at = now
    # The lease stays: a runner sending now still records its answer (and a 2xx still moves
    # the checkpoint), then stops; a paused subscription is never claimed again meanwhile.
    logger.warning("webhook subscription %s paused: %s", sub.pk, reason)


def release(claim: Claim) -> None:
    """Give the lease back, if this runner still holds it."""
    WebhookSubscription.objects.filter(pk=claim.subscription.pk, lease_token=claim.token).update(
        lease_token="", lease_until=None
    )


def log_attempt(
    sub: WebhookSubscription,
    event: RecordedEvent,
    answer: transport.Answer,
    outcome: str,
    now: datetime,
    *,
    attempt: int,
) -> WebhookDelivery:
    """Write one attempt to the delivery log, and count it (every request sent is logged)."""
    metrics.WEBHOOK_SENDS.labels(outcome).inc()
    if not answer.succeeded:
        metrics.WEBHOOK_SEND_FAILURES.labels(answer.failure_reason).inc()
    return WebhookDelivery.objects.create(
        subscription=sub,
        event_id=event.event_id,
        position=event.position,
        event_type=event.event_type,
        stream_id=event.stream_id,
        attempt=attempt,
        outcome=outcome,
        response_code=answer.status,
        latency_ms=answer.latency_ms,
        error=answer.error,
        attempted_at=now,
    )
