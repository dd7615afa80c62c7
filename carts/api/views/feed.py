"""GET /api/events/: the global event feed (auditors, integrations and superusers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.feed import read_feed
from carts.api.fields import QueryParameters
from carts.api.filters import EventFeedFilter
from carts.api.permissions import MayReadLog
from carts.api.schema import EVENT_EXAMPLE
from carts.api.serializers import EventSerializer, FeedPageSerializer
from carts.api.views.base import ApiView
from eventstore.checkpoints import checkpoint_reached
from eventstore.models import Event

# Opaque to clients, but its shape is documented so a mistyped one is refused up front; 18 digits
# keep both numbers inside a 64-bit column.
CHECKPOINT_PATTERN = r"^(-?[0-9]{1,18}:[0-9]{1,18})?$"


class FeedQuery(QueryParameters):
    """Where to resume and how many events to take."""

    after = serializers.RegexField(
        CHECKPOINT_PATTERN,
        required=False,
        default="",
        allow_blank=True,
        help_text="The checkpoint of the last page you processed; empty for the beginning.",
        error_messages={"invalid": "Pass back a checkpoint the feed gave you, e.g. 0:42."},
    )
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)

    def validate_after(self, value: str) -> str:
        try:
            reached = checkpoint_reached(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if not reached:
            raise serializers.ValidationError(
                f"checkpoint {value!r} names no event of this feed (none has been written there"
                " yet): pass back the checkpoint of the last page you processed"
            )
        return value


class EventFeedView(ApiView, GenericAPIView):
    """The whole log, in commit order, page by page."""

    permission_classes = [IsAuthenticated, MayReadLog]
    # Declared for django-filter's schema; pages are read through the store, not this queryset.
    queryset = Event.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFeedFilter
    query_parameters = (FeedQuery,)

    @extend_schema(
        summary="The global event feed",
        description="Every event of every stream in commit order. Keep the `checkpoint` of each"
        " page and pass it back as `?after=` to continue: no event is ever skipped or repeated,"
        " even while others write. Order by checkpoint, never by position (positions can commit"
        " out of order). Filters narrow what is shown; the checkpoint still moves past the"
        " events they hide, so a page can be short or empty while `has_more` is true.",
        tags=["event feed"],
        parameters=[FeedQuery],
        filters=True,
        responses={
            200: OpenApiResponse(
                FeedPageSerializer,
                "A page of events.",
                examples=[
                    OpenApiExample(
                        "a page",
                        value={"events": [EVENT_EXAMPLE], "checkpoint": "0:42", "has_more": False},
                    )
                ],
            )
        },
    )
    def get(self, request: Request) -> Response:
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = EventFeedFilter(request.query_params)
        if not filters.is_valid():
            raise serializers.ValidationError(filters.errors)
        page = read_feed(
            after=query.validated_data["after"],
            limit=query.validated_data["limit"],
            filters=filters,
        )
        body: dict[str, Any] = {
            "events": EventSerializer(page.events, many=True).data,
            "checkpoint": page.checkpoint,
            "has_more": page.has_more,
        }
        headers = {"Link": self._next_link(request, page.checkpoint)} if page.has_more else {}
        return Response(body, headers=headers)

    @staticmethod
    def _next_link(request: Request, checkpoint: str) -> str:
        params = request.query_params.copy()
        params["after"] = checkpoint
        return f'<{request.path}?{urlencode(list(params.lists()), doseq=True)}>; rel="next"'
