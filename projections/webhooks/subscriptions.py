"""The services that write webhook subscriptions: create, change, rotate, pause, resume,
replay, delete and redeliver. The API, the admin and the management command call these.

Every change takes the subscription's runner lock (see projections.webhooks.delivery), so it
never interleaves with a runner recording an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from eventstore.checkpoints import checkpoint_reached, decode_checkpoint, head_checkpoint
from eventstore.registry import registry
from projections import locks
from projections.webhooks import targets
from projections.webhooks.delivery import pause, runner_lock
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.signing import new_secret

Status = WebhookSubscription.Status


class InvalidSubscription(Exception):
    """Input a subscription cannot take; ``code`` names the rule, ``field`` the input."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Changes:
    """What a subscription is made of or changed to; None leaves a value as it is."""

    target_url: str | None = None
    event_types: list[str] | None = None
    stream_types: list[str] | None = None
    description: str | None = None
    active: bool | None = None


def create(changes: Changes, *, created_by: str) -> WebhookSubscription:
    """A new subscription, starting at the head of the log (replay_from delivers history).

    Raises InvalidSubscription (target_url, event_types or stream_types) writing nothing.
    """
    if changes.target_url is None:
        raise InvalidSubscription("invalid_target_url", "target_url", "target_url is required")
    fields = validated(changes)
    active = changes.active is not False
    sub = WebhookSubscription(created_by=created_by, checkpoint=head_checkpoint(), **fields)
    if not active:
        sub.status, sub.paused_at = Status.PAUSED, timezone.now()
        sub.paused_reason = "created paused"
    sub.save()
    return sub


def update(subscription_id: UUID, changes: Changes) -> WebhookSubscription:
    """Change a subscription; ``active`` pauses or resumes it. Raises InvalidSubscription,
    writing nothing, and WebhookSubscription.DoesNotExist."""
    fields = validated(changes)
    with _locked(subscription_id) as sub:
        for name, value in fields.items():
            setattr(sub, name, value)
        changed = [*fields, "updated_at"]
        if changes.active is True and sub.status == Status.PAUSED:
            _resume(sub)
            changed += _RESUME_FIELDS
        elif changes.active is False and sub.status == Status.ACTIVE:
            pause(sub, "paused by request", now=timezone.now())
            changed += _PAUSE_FIELDS
        sub.save(update_fields=changed)
    return sub


def validated(changes: Changes) -> dict[str, Any]:
    """The model fields for ``changes``, checked; raises InvalidSubscription."""
    fields: dict[str, Any] = {}
    if changes.target_url is not None:
        try:
            targets.check(changes.target_url)
        except targets.TargetRefused as refused:
            raise InvalidSubscription(refused.code, "target_url", refused.message) from None
        fields["target_url"] = changes.target_url
    if changes.event_types is not None:
        fields["event_types"] = _known("event_types", changes.event_types, registry.names())
    if changes.stream_types is not None:
        fields["stream_types"] = _known("stream_types", changes.stream_types, stream_types())
    if changes.description is not None:
        fields["description"] = changes.description
    return fields


def stream_types() -> list[str]:
    """The stream types events are written to: the prefix of every registered event type."""
    return sorted({name.split(".", 1)[0] for name in registry.names()})


def _known(field: str, given: Iterable[str], known: Iterable[str]) -> list[str]:
    names, known_names = list(dict.fromkeys(given)), set(known)
    unknown = [name for name in names if name not in known_names]
    if unknown:
        raise InvalidSubscription(
            f"unknown_{field[:-1]}",
            field,
            f"unknown {field.replace('_', ' ')} {', '.join(repr(n[:80]) for n in unknown[:5])};"
            f" known: {', '.join(sorted(known_names))} (leave empty for all)",
        )
    return names


def rotate_secret(
    subscription_id: UUID, *, overlap: timedelta | None = None
) -> WebhookSubscription:
    """A new secret; the one it replaces still signs (a second signature) for ``overlap``
    (default WEBHOOKS_SECRET_OVERLAP_HOURS). Raises WebhookSubscription.DoesNotExist."""
    if overlap is None:
        overlap = timedelta(hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS)
    with _locked(subscription_id) as sub:
        sub.previous_secret = sub.secret
        sub.previous_secret_expires_at = timezone.now() + overlap
        sub.secret = new_secret()
        sub.save(update_fields=["previous_secret", "previous_secret_expires_at", "secret"])
    return sub


def resume(subscription_id: UUID) -> WebhookSubscription:
    """Deliver again from the checkpoint, trying the event it stopped at right away."""
    with _locked(subscription_id) as sub:
        _resume(sub)
        sub.save(update_fields=_RESUME_FIELDS)
    return sub


def replay_from(subscription_id: UUID, checkpoint: str) -> WebhookSubscription:
    """Deliver again every matching event after ``checkpoint`` ("" for the whole log).

    Raises InvalidSubscription (``invalid_checkpoint``) for a checkpoint the log never handed
    out, writing nothing; a runner sending meanwhile records its answer but moves nothing.
    """
    try:
        decode_checkpoint(checkpoint)
        reached = checkpoint_reached(checkpoint)
    except ValueError as error:
        raise InvalidSubscription("invalid_checkpoint", "after", str(error)) from None
    if not reached:
        raise InvalidSubscription(
            "invalid_checkpoint",
            "after",
            f"checkpoint {checkpoint!r} names no event of the log: use one from the feed or"
            " from a delivered message's data.checkpoint",
        )
    with _locked(subscription_id) as sub:
        sub.checkpoint = checkpoint
        sub.attempts, sub.first_failed_at, sub.next_attempt_at = 0, None, None
        sub.lease_token, sub.lease_until = "", None
        sub.save(update_fields=[*_REPLAY_FIELDS, "lease_token", "lease_until", "updated_at"])
    return sub


def delete(subscription_id: UUID) -> None:
    """Remove a subscription and its delivery log. Raises WebhookSubscription.DoesNotExist."""
    with _locked(subscription_id) as sub:
        sub.delete()


# Every service writes only the fields it changes: a runner may have moved the checkpoint
# (delivery._advance, a conditional UPDATE that takes no lock) since the row was read.
_PAUSE_FIELDS = ["status", "paused_reason", "paused_at"]
_RESUME_FIELDS = ["status", "paused_reason", "paused_at", "updated_at"]
_REPLAY_FIELDS = ["checkpoint", "attempts", "first_failed_at", "next_attempt_at"]
_RESUME_FIELDS += _REPLAY_FIELDS[1:]


def _resume(sub: WebhookSubscription) -> None:
    sub.status, sub.paused_reason, sub.paused_at = Status.ACTIVE, "", None
    sub.attempts, sub.first_failed_at, sub.next_attempt_at = 0, None, None


@contextmanager
def _locked(subscription_id: UUID) -> Iterator[WebhookSubscription]:
    """A transaction holding the subscription's runner lock, and its row."""
    with transaction.atomic():
        locks.hold(runner_lock(subscription_id))
        yield WebhookSubscription.objects.get(pk=subscription_id)
