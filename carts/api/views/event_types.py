"""GET /api/event-types/: every event type the feed carries, with its payload's JSON Schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.errors import ApiProblem
from carts.api.permissions import MayReadLog
from carts.api.schema import problems
from carts.api.views.base import ApiView
from eventstore.errors import UnknownEventType
from eventstore.registry import registry


class EventTypeSerializer(serializers.Serializer):
    """An event type: its stored name, current schema version and the payload's JSON Schema."""

    event_type = serializers.CharField(help_text="As in the feed's `event_type`.")
    schema_version = serializers.IntegerField(
        help_text="The feed's `data` always has this version: older events are upcast first."
    )
    schema = serializers.DictField(help_text="JSON Schema (draft 2020-12) of the feed's `data`.")


def _described(name: str) -> dict[str, Any]:
    return {
        "event_type": name,
        "schema_version": registry.event_type(name).schema_version,
        "schema": registry.payload_schema(name),
    }


class EventTypeList(ApiView):
    """GET /api/event-types/"""

    # Those who may read the feed, whose payloads these describe.
    permission_classes = [MayReadLog]

    @extend_schema(
        summary="The event types and their payload schemas",
        operation_id="event_types_list",
        description="Every event type the feed (GET /api/events/) carries, with the schema"
        " version of its `data` and that payload's JSON Schema, generated from the event"
        " definitions.",
        tags=["event feed"],
        responses={200: EventTypeSerializer(many=True)} | problems(401, 403),
    )
    def get(self, request: Request) -> Response:
        return Response([_described(name) for name in registry.names()])


class EventTypeDetail(ApiView):
    """GET /api/event-types/<event_type>/"""

    # Those who may read the feed, whose payloads these describe.
    permission_classes = [MayReadLog]

    @extend_schema(
        summary="One event type and its payload schema",
        operation_id="event_type_retrieve",
        description="The schema version and payload JSON Schema of one event type, named as in"
        " the feed's `event_type` (e.g. `cart.ItemAdded`); 404 `unknown_event_type` for a name"
        " no event carries. The schema gives the payload's shape; the cart's rules (bounds,"
        " kinds) are stated with the commands.",
        parameters=[
            OpenApiParameter(
                "event_type",
                str,
                OpenApiParameter.PATH,
                description="An event type as the feed names it.",
                examples=[OpenApiExample("an item added", value="cart.ItemAdded")],
            )
        ],
        tags=["event feed"],
        responses={200: EventTypeSerializer} | problems(401, 403, 404),
    )
    def get(self, request: Request, event_type: str) -> Response:
        try:
            return Response(_described(event_type))
        except UnknownEventType:
            raise ApiProblem(
                f"no event type {event_type[:80]!r}; GET /api/event-types/ lists them",
                status_code=status.HTTP_404_NOT_FOUND,
                code="unknown_event_type",
            ) from None
