"""Webhooks in the admin: subscriptions (with pause, resume, rotate and replay actions) and the
delivery log (read-only, with "redeliver"). Every change goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from eventstore.checkpoints import checkpoint_position
from eventstore.registry import registry
from projections.tasks import BROKER_AWAY, ask
from projections.webhooks import subscriptions, tasks
from projections.webhooks.models import WebhookDelivery, WebhookSubscription
from projections.webhooks.subscriptions import Changes, InvalidSubscription


class SubscriptionForm(forms.ModelForm):
    """Target and filters, checked by the same rules as the API (including the address)."""

    target_url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: all."
    )
    stream_types = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: all."
    )

    class Meta:
        model = WebhookSubscription
        fields = ["description", "target_url", "event_types", "stream_types"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(n, n) for n in registry.names()]  # type: ignore[attr-defined]
        self.fields["stream_types"].choices = [(n, n) for n in subscriptions.stream_types()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                subscriptions.validated(changes_of(cleaned))
            except InvalidSubscription as invalid:
                self.add_error(invalid.field, invalid.message)
        return cleaned


def changes_of(cleaned: dict[str, Any]) -> Changes:
    return Changes(
        target_url=cleaned.get("target_url"),
        event_types=list(cleaned.get("event_types") or []),
        stream_types=list(cleaned.get("stream_types") or []),
        description=cleaned.get("description") or "",
    )


class ReplayForm(ActionForm):
    checkpoint = forms.CharField(
        required=False,
        help_text="For 'replay': a checkpoint (from the feed or a message's data.checkpoint);"
        " empty replays the whole log.",
    )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions, their position in the log, and why one is paused."""

    form = SubscriptionForm
    action_form = ReplayForm
    list_display = ["__str__", "status", "position", "attempts", "next_attempt_at", "reason"]
    list_filter = ["status"]
    readonly_fields = [
        "status", "paused_reason", "paused_at", "checkpoint", "attempts", "first_failed_at",
        "next_attempt_at", "secret", "previous_secret_expires_at", "created_by", "created_at",
    ]  # fmt: skip
    actions = ["pause", "resume", "rotate_secret", "replay"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The secret is for those who manage the subscription; readers (auditors) never see it.
        shown = list(super().get_readonly_fields(request, obj))
        if self.has_change_permission(request, obj):
            return shown
        return [name for name in shown if name != "secret"]

    @admin.display(description="position")
    def position(self, obj: WebhookSubscription) -> int:
        return checkpoint_position(obj.checkpoint)

    @admin.display(description="paused because")
    def reason(self, obj: WebhookSubscription) -> str:
        return obj.paused_reason[:200]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changes = changes_of(form.cleaned_data)
        if change:
            saved = subscriptions.update(obj.pk, changes)
        else:
            saved = subscriptions.create(changes, created_by=f"user:{request.user.pk}")
        obj.pk, obj.secret, obj.checkpoint = saved.pk, saved.secret, saved.checkpoint

    @admin.action(description="Pause selected subscriptions", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for sub in queryset:
            subscriptions.update(sub.pk, Changes(active=False))
        self.message_user(request, "Paused.", messages.INFO)

    @admin.action(
        description="Resume selected subscriptions (retry the stopped event now)",
        permissions=["change"],
    )
    def resume(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for sub in queryset:
            subscriptions.resume(sub.pk)
        self.message_user(request, "Resumed.", messages.INFO)

    @admin.action(
        description="Rotate the secret (the old one signs too during the overlap)",
        permissions=["change"],
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for sub in queryset:
            subscriptions.rotate_secret(sub.pk)
        self.message_user(request, "New secrets made; open a subscription to copy its secret.")

    @admin.action(description="Replay from the checkpoint given below", permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        checkpoint = request.POST.get("checkpoint", "").strip()
        try:
            for sub in queryset:
                subscriptions.replay_from(sub.pk, checkpoint)
        except InvalidSubscription as invalid:
            self.message_user(request, invalid.message, messages.ERROR)
            return
        where = f"after {checkpoint}" if checkpoint else "from the start of the log"
        self.message_user(request, f"Replaying {where}.", messages.INFO)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every attempt: outcome, response code, latency and error. Read-only."""

    list_display = [
        "attempted_at", "subscription", "event_type", "position", "stream_id", "attempt",
        "outcome", "response_code", "latency_ms", "short_error",
    ]  # fmt: skip
    list_filter = ["outcome", "subscription"]
    search_fields = ["=event_id", "=stream_id"]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="error")
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.error[:120]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of what was sent

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        """Redelivering is operating a subscription: it needs the right to change one."""
        meta = WebhookSubscription._meta
        return request.user.has_perm(f"{meta.app_label}.change_{meta.model_name}")

    @admin.action(
        description="Redeliver the selected events now (same webhook-id)", permissions=["redeliver"]
    )
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        if not queryset:
            self.message_user(request, "No delivery selected; nothing was asked for.")
        elif all([ask(tasks.redeliver, each.pk) for each in queryset]):
            self.message_user(request, f"Redelivery asked for at {timezone.now():%H:%M:%S}.")
        else:
            message = f"Redelivery: {BROKER_AWAY}; try again later."
            self.message_user(request, message, messages.ERROR)
