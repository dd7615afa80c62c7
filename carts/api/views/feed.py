"""GET /api/events/: the global event feed (auditors, integrations and superusers)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.feed import read_feed
from carts.api.fields import QueryIntegerField, QueryParameters
from carts.api.filters import EventFeedFilter
from carts.api.permissions import MayReadLog
from carts.api.schema import EVENT_EXAMPLE, EXAMPLE_CHECKPOINT
from carts.api.serializers import EventSerializer, FeedPageSerializer
from carts.api.views.base import ApiView
from eventstore.checkpoints import START, checkpoint_beyond_head, checkpoint_reached
from eventstore.models import Event
from eventstore.waiting import wait_for_events

# Opaque to clients, but its shape is documented so a mistyped one is refused up front; 18 digits
# keep both numbers inside a 64-bit column.
CHECKPOINT_PATTERN = r"^-?[0-9]{1,18}:[0-9]{1,18}$"


# The checkpoint before the first event, as the feed hands it out (the store writes it empty, and
# an empty query parameter is refused as every one is): a reader of an empty log keeps this.
START_CHECKPOINT = "0:0"


@extend_schema_field({"type": "string", "pattern": CHECKPOINT_PATTERN})
class CheckpointField(serializers.CharField):
    """A checkpoint the feed handed out: 400 ``invalid_checkpoint`` when malformed or naming no
    event, 400 ``checkpoint_not_reached`` when beyond the last event written (a consumer storing
    it would skip every event written up to it)."""

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data))
        if value == START_CHECKPOINT:
            return START
        if not re.fullmatch(CHECKPOINT_PATTERN, value):
            raise serializers.ValidationError(
                f"malformed checkpoint {value!r}: pass back the `checkpoint` of a page, e.g. "
                f"{EXAMPLE_CHECKPOINT}",
                code="invalid_checkpoint",
            )
        if checkpoint_reached(value):
            return value
        if checkpoint_beyond_head(value):
            raise serializers.ValidationError(
                f"checkpoint {value!r} names no event of this feed (none has been written there"
                " yet): pass back the checkpoint of the last page you processed",
                code="checkpoint_not_reached",
            )
        raise serializers.ValidationError(
            f"checkpoint {value!r} names no event of this feed (the feed never handed it out):"
            " pass back the checkpoint of the last page you processed",
            code="invalid_checkpoint",
        )


class FeedQuery(QueryParameters):
    """Where to resume and how many events to take."""

    after = CheckpointField(
        required=False,
        help_text="The checkpoint of the last page you processed; leave out (or 0:0) for the"
        " beginning.",
    )
    limit = QueryIntegerField(required=False, default=100, min_value=1, max_value=1000)
    wait = QueryIntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=settings.API_FEED_MAX_WAIT_SECONDS,
        help_text="Long polling: when no event follows `after` yet, wait up to this many seconds"
        " for one to be committed, then answer (an empty page at the timeout).",
    )


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
        " events they hide, so a page can be short or empty while `has_more` is true. With"
        " `?wait=` the request waits (long polling) until an event follows `after` or the"
        " seconds run out; it answers as soon as the checkpoint can move, so with filters the"
        " page may be empty with a newer checkpoint, to keep and pass back.",
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
                        value={
                            "events": [EVENT_EXAMPLE],
                            "checkpoint": EXAMPLE_CHECKPOINT,
                            "has_more": False,
                        },
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
            raise translate_validation(filters.errors)
        after = query.validated_data.get("after", START)
        if query.validated_data["wait"]:
            # Outside any transaction (the API runs in autocommit): nothing is held meanwhile.
            wait_for_events(
                after,
                timeout=min(query.validated_data["wait"], settings.API_FEED_MAX_WAIT_SECONDS),
                poll=settings.API_FEED_POLL_SECONDS,
            )
        page = read_feed(after=after, limit=query.validated_data["limit"], filters=filters)
        body: dict[str, Any] = {
            "events": EventSerializer(page.events, many=True).data,
            "checkpoint": page.checkpoint or START_CHECKPOINT,
            "has_more": page.has_more,
        }
        headers = {"Link": self._next_link(request, page.checkpoint)} if page.has_more else {}
        return Response(body, headers=headers)

    @staticmethod
    def _next_link(request: Request, checkpoint: str) -> str:
        params = request.query_params.copy()
        params["after"] = checkpoint
        return f'<{request.path}?{urlencode(list(params.lists()), doseq=True)}>; rel="next"'
