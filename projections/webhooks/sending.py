"""One webhook request for one event: the target checked, the body signed with every secret in
use, the POST sent (projections.webhooks.transport). Used by delivery and redelivery alike."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from eventstore.store import RecordedEvent
from projections.webhooks import targets, transport
from projections.webhooks.message import body_of
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.signing import signed_headers


def secrets_in_use(sub: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    expires = sub.previous_secret_expires_at
    if sub.previous_secret and expires is not None and expires > now:
        return [sub.secret, sub.previous_secret]
    return [sub.secret]


def checked_target(sub: WebhookSubscription) -> targets.Target | targets.TargetRefused:
    """The subscription's target resolved and checked now, or why it is refused."""
    try:
        return targets.check(sub.target_url)
    except targets.TargetRefused as refused:
        return refused


def send(
    sub: WebhookSubscription,
    event: RecordedEvent,
    client: object,
    *,
    target: targets.Target | targets.TargetRefused | None = None,
) -> transport.Answer:
    """One signed request for ``event`` to ``target`` (resolved now when not given). Without a
    request, a target on an address not allowed is answered as a refusal (status None, error
    starting with "refused:"), one that does not resolve as a connection error."""
    if target is None:
        target = checked_target(sub)
    if isinstance(target, targets.TargetRefused):
        if target.code == "target_unresolvable":
            # DNS may be down for a moment: retried like a connection error.
            return transport.Answer(None, 0, f"connection error: {target.message}")
        return transport.Answer(None, 0, f"refused: {target.message}")
    body = body_of(event)
    # The real time, not the caller's clock: the receiver compares it with its own.
    sent_at = timezone.now()
    headers = signed_headers(
        message_id=str(event.event_id),
        sent_at=sent_at,
        body=body,
        secrets_in_use=secrets_in_use(sub, sent_at),
    )
    return transport.post(client, target, body=body, headers=headers)  # type: ignore[arg-type]
