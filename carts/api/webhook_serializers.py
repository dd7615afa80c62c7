"""Bodies of the webhook subscription endpoints: what they accept (shape only) and show."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from carts.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from eventstore.checkpoints import START

MAX_TYPES = 100
MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def _names(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=100),
        max_length=MAX_TYPES,
        required=False,
        help_text=help_text,
    )


class SubscriptionInput(StrictSerializer):
    """A subscription's target and filters; PATCH takes any of them."""

    target_url = StrictCharField(
        max_length=2000,
        help_text="http(s) URL to POST to: anything but an absolute http:// or https:// URL"
        " with a host (and no user name or password) answers 400 invalid_target_url. It must"
        " resolve to public addresses only (422 target_not_allowed otherwise, unless the"
        " operator allows its network).",
    )
    event_types = _names("Event types to deliver (GET /api/event-types/); empty or left out: all.")
    stream_types = _names("Stream types to deliver (e.g. cart); empty or left out: all.")
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    active = StrictBooleanField(required=False, help_text="false pauses, true resumes.")


class RotateSecretInput(StrictSerializer):
    """How long the secret being replaced keeps signing (a second signature)."""

    overlap_seconds = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_OVERLAP_SECONDS,
        help_text="Default: the operator's WEBHOOKS_SECRET_OVERLAP_HOURS (24 h).",
    )


class ReplayInput(StrictSerializer):
    """Where to deliver again from."""

    after = StrictCharField(
        max_length=40,
        help_text="A checkpoint from the feed or a message's data.checkpoint; 0:0 for the"
        " whole log. Every matching event after it is delivered again, in order. One the feed"
        " never handed out answers 400 invalid_checkpoint.",
    )

    def validate_after(self, value: str) -> str:
        return START if value == "0:0" else value


class SubscriptionSerializer(serializers.Serializer):
    """A subscription as its readers see it (never its secret)."""

    id = serializers.UUIDField()
    description = serializers.CharField()
    target_url = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())
    stream_types = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=["active", "paused"])
    paused_reason = serializers.CharField(help_text="Why it was paused; empty when active.")
    paused_at = serializers.DateTimeField(allow_null=True)
    checkpoint = serializers.SerializerMethodField(help_text="Delivered up to here (0:0: none).")
    attempts = serializers.IntegerField(help_text="Failed attempts at the next event so far.")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    secret_rotated_until = serializers.DateTimeField(
        source="previous_secret_expires_at",
        allow_null=True,
        help_text="Until then the previous secret signs too.",
    )
    created_at = serializers.DateTimeField()

    def get_checkpoint(self, obj: Any) -> str:
        return str(obj.checkpoint or "0:0")


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    """A subscription with its secret: answered only when it is created or rotated."""

    secret = serializers.CharField(
        help_text="whsec_ + base64: verify deliveries with it (Standard Webhooks). Shown once."
    )
