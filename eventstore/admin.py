"""The event log in the admin: read-only for everyone, superusers included.

Events can be listed, searched, filtered and opened, never added, changed or deleted: the admin
grants no such permission and offers no actions, and the model and database refuse besides.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from eventstore.admin_links import stream_link
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.personal import Opener
from eventstore.registry import registry

# Enough actors to be a useful shortcut; any other actor can still be filtered by URL parameter.
ACTOR_CHOICES = 30


class SourceFilter(admin.SimpleListFilter):
    """Filter by where an event came from (metadata.source): ui, api, admin, system."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # order_by() drops the model's ordering, which would otherwise make every row distinct.
        sources = Event.objects.order_by().values_list("metadata__source", flat=True).distinct()
        return [(s, s) for s in sorted(s for s in sources if s)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> QuerySet[Event]:
        if self.value():
            return queryset.filter(metadata__source=self.value())
        return queryset


class ActorFilter(admin.SimpleListFilter):
    """Filter by who wrote an event (metadata.actor); the most active actors are offered."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        busiest = (
            Event.objects.order_by()
            .values("metadata__actor")
            .annotate(events=Count("position"))
            .order_by("-events")[:ACTOR_CHOICES]
        )
        return [(row["metadata__actor"], row["metadata__actor"]) for row in busiest]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> QuerySet[Event]:
        if self.value():
            return queryset.filter(metadata__actor=self.value())
        return queryset


def _metadata_field(key: str, description: str) -> Any:
    """A read-only admin column showing one metadata entry (blank when the event has none)."""

    @admin.display(description=description)
    def show(self: admin.ModelAdmin[Event], event: Event) -> str:
        value = event.metadata.get(key, "")
        if key in Metadata.personal_fields:
            value = Opener().open(value, key)  # in plain, or "[erased]" (eventstore.personal)
        return str(value)

    return show


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Every event ever recorded, in global order; nothing here can change one."""

    list_display = ("position", "stream_short", "version", "event_type", "actor", "source", "when")
    list_display_links = ("position", "event_type")
    list_filter = ("event_type", SourceFilter, ActorFilter, "stream_type")
    date_hierarchy = "recorded_at"
    # Exact matches on the indexed id columns; the stream id also matches a fragment (a bare uuid).
    search_fields = ("stream_id", "=correlation_id", "=command_id")
    search_help_text = "Stream id (or part of it), correlation id or command id."
    ordering = ("-position",)
    list_per_page = 50
    actions = None

    class Media:
        css = {"all": ["ledger_shop/admin.css"]}

    fieldsets = (
        (None, {"fields": ("position", "event_type", "stream", "version", "recorded_at")}),
        (
            "Who, why, from where",
            {
                "fields": (
                    "actor",
                    "source",
                    "command",
                    "correlation",
                    "causation",
                    "command_id",
                    "client_ip",
                    "user_agent",
                )
            },
        ),
        ("Payload", {"fields": ("payload_pretty",)}),
        ("Metadata", {"fields": ("metadata_pretty",)}),
        ("Integrity", {"fields": ("event_id", "schema_version", "hash")}),
    )
    readonly_fields = (
        "position",
        "event_type",
        "stream",
        "version",
        "recorded_at",
        "actor",
        "source",
        "command",
        "correlation",
        "causation",
        "command_id",
        "client_ip",
        "user_agent",
        "payload_pretty",
        "metadata_pretty",
        "event_id",
        "schema_version",
        "hash",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        correlation = path(
            # path: a correlation id comes from a client header and may hold a slash.
            "correlation/<path:correlation_id>/",
            self.admin_site.admin_view(self.correlation_view),
            name="eventstore_event_correlation",
        )
        return [correlation, *super().get_urls()]

    def correlation_view(self, request: HttpRequest, correlation_id: str) -> HttpResponse:
        """Every event one request or command set off, across all streams, in global order."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = list(Event.objects.filter(correlation_id=correlation_id).order_by("position"))
        rows = [(event, stream_link(event.stream_type, event.stream_id)) for event in events]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Correlation {correlation_id}",
            "correlation_id": correlation_id,
            "rows": rows,
            "streams": len({event.stream_id for event in events}),
        }
        return TemplateResponse(request, "admin/eventstore/event/correlation.html", context)

    @admin.display(description="actor")
    def actor(self, event: Event) -> str:
        return str(event.metadata.get("actor", ""))

    @admin.display(description="source")
    def source(self, event: Event) -> str:
        return str(event.metadata.get("source", ""))

    @admin.display(description="recorded at (UTC)", ordering="recorded_at")
    def when(self, event: Event) -> str:
        return event.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="stream", ordering="stream_id")
    def stream_short(self, event: Event) -> str:
        # The head of a stream id tells streams apart in a list; the full id is in the title
        # and the link narrows the list to that stream.
        short = event.stream_id if len(event.stream_id) <= 18 else f"{event.stream_id[:17]}…"
        return format_html(
            '<a href="?{}" title="{}">{}</a>',
            urlencode({"stream_id": event.stream_id}),
            event.stream_id,
            short,
        )

    command = _metadata_field("command", "command")
    causation = _metadata_field("causation_id", "causation id")
    client_ip = _metadata_field("client_ip", "client IP")
    user_agent = _metadata_field("user_agent", "user agent")

    @admin.display(description="stream")
    def stream(self, event: Event) -> str:
        query = urlencode({"stream_id": event.stream_id})
        in_stream = reverse("admin:eventstore_event_changelist") + f"?{query}"
        html = format_html(
            '{} · <a href="{}">all events of this stream</a>', event.stream_id, in_stream
        )
        link = stream_link(event.stream_type, event.stream_id)
        if link is not None:
            html += format_html(' · <a href="{}">{}</a>', link[1], link[0])
        return html

    @admin.display(description="correlation id")
    def correlation(self, event: Event) -> str:
        if not event.correlation_id:
            return "–"
        count = Event.objects.filter(correlation_id=event.correlation_id).count()
        url = reverse("admin:eventstore_event_correlation", args=[event.correlation_id])
        return format_html(
            '{} · <a href="{}">all {} events of this correlation</a>',
            event.correlation_id,
            url,
            count,
        )

    @admin.display(description="payload")
    def payload_pretty(self, event: Event) -> str:
        # Personal values opened as every reader opens them (eventstore.personal).
        fields = registry.personal_fields(event.event_type)
        return _pretty_json(Opener().open_fields(event.payload, fields))

    @admin.display(description="metadata")
    def metadata_pretty(self, event: Event) -> str:
        return _pretty_json(event.metadata)


def _pretty_json(value: Any) -> str:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html('<pre class="ledger-json">{}</pre>', text)
