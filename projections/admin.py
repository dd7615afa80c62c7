"""The projections in the admin: status and lag, with rebuild and catch-up buttons (actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from projections import tasks
from projections.admin_views import rebuild_running_message
from projections.models import ProjectionState
from projections.rebuild import is_running
from projections.routing import primary_reads
from projections.selectors import ProjectionStatus, projection_statuses


@admin.register(ProjectionState)
class ProjectionStateAdmin(admin.ModelAdmin):
    """Read-only status of each projection; rebuilding and catching up are actions."""

    list_display = ["name", "state", "position", "head", "lag_events", "lag_seconds", "error"]
    readonly_fields = [field.name for field in ProjectionState._meta.fields]
    actions = ["rebuild", "catch_up"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The runners' own progress, as the dashboard shows it, not a replica's copy; and the
        # actions (run inside this view) judge a running rebuild by it too.
        with primary_reads():
            response = super().changelist_view(request, extra_context)
            if isinstance(response, TemplateResponse):
                response.render()
        return response

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectionState]:
        # Computed once per page rather than once per cell: lag takes a count per projection.
        self._statuses = {status.name: status for status in projection_statuses()}
        return super().get_queryset(request)

    def _status(self, state: ProjectionState) -> ProjectionStatus:
        return self._statuses[state.name]

    @admin.display(description="state")
    def state(self, obj: ProjectionState) -> str:
        status = self._status(obj)
        if status.rebuild_progress is not None:
            return f"{status.state} ({status.rebuild_progress:.0%})"
        return status.state

    @admin.display(description="position")
    def position(self, obj: ProjectionState) -> int:
        return self._status(obj).position

    @admin.display(description="head")
    def head(self, obj: ProjectionState) -> int:
        return self._status(obj).head_position

    @admin.display(description="lag (events)")
    def lag_events(self, obj: ProjectionState) -> int:
        return self._status(obj).lag_events

    @admin.display(description="lag (s)")
    def lag_seconds(self, obj: ProjectionState) -> str:
        return f"{self._status(obj).lag_seconds:.1f}"

    @admin.display(description="last error")
    def error(self, obj: ProjectionState) -> str:
        return self._status(obj).last_error[:200]

    # Actions need the change permission, as the dashboard's buttons do: a viewer sees none.
    @admin.action(
        description="Rebuild selected projections (readers keep the current model)",
        permissions=["change"],
    )
    def rebuild(self, request: HttpRequest, queryset: QuerySet[ProjectionState]) -> None:
        now = timezone.now()
        if not queryset:
            self.message_user(request, "No projection selected; nothing was requested.")
        for state in queryset:
            if is_running(state, now):
                self.message_user(request, rebuild_running_message(state.name), messages.ERROR)
            elif tasks.ask(tasks.rebuild, state.name):
                self.message_user(
                    request,
                    f"Rebuild requested for {state.name}; status shows its progress.",
                    messages.INFO,
                )
            else:
                message = f"Rebuild of {state.name}: {tasks.BROKER_AWAY}; try again later."
                self.message_user(request, message, messages.ERROR)

    @admin.action(description="Catch up selected projections now", permissions=["change"])
    def catch_up(self, request: HttpRequest, queryset: QuerySet[ProjectionState]) -> None:
        if not queryset:
            self.message_user(request, "No projection selected; nothing was requested.")
        elif all([tasks.ask(tasks.catch_up, state.name, retry_now=True) for state in queryset]):
            self.message_user(request, "Catch-up requested.", messages.INFO)
        else:
            message = f"Catch-up: {tasks.BROKER_AWAY}; the periodic catch-up runs it later."
            self.message_user(request, message, messages.WARNING)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Webhooks register their own admin pages; importing them here is what makes Django see them.
from projections.webhooks import admin as webhooks_admin  # noqa: E402, F401
