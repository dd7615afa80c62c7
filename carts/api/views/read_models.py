"""Read models for auditors and integrations: cart summaries, product activity, daily funnel and
the projections' status.

These are projections, so they trail the event log a little. Every answer says how far its
projection is; ``?min_position=`` (e.g. a command's X-Event-Position) waits briefly until the
projection includes that event, and the answer says whether it got there. With a read replica,
the rows come from the replica, or from the primary when only it includes that event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.fields import QueryIntegerField, QueryParameters
from carts.api.filters import CartSummaryFilter, DailyFunnelFilter, ProductActivityFilter
from carts.api.permissions import MayReadLog
from carts.api.read_model_serializers import (
    CartSummarySerializer,
    DailyFunnelSerializer,
    ProductActivitySerializer,
    ProjectionStatusSerializer,
)
from carts.api.schema import without_example_links
from carts.api.views.base import ApiView
from projections import selectors
from projections.freshness import reading_at_least

MAX_PAGE_SIZE = 200
MIN_POSITION = OpenApiParameter(
    "min_position",
    {"type": "integer", "minimum": 1, "maximum": 2**62},
    description="Wait briefly until the projection includes the event at this global position"
    " (a command's X-Event-Position); `projection.includes_min_position` says if it did.",
)


# Written out because a pagination schema cannot reference a serializer component.
PROGRESS_SCHEMA = {
    "type": "object",
    "description": "Where the projection behind this answer stands.",
    "properties": {
        "name": {"type": "string"},
        "state": {
            "type": "string",
            "enum": ["live", "catching_up", "rebuilding", "stalled", "failing"],
        },
        "position": {
            "type": "integer",
            "description": "Global position below which every event has been processed.",
        },
        "lag_events": {"type": "integer", "description": "Committed events not yet processed."},
        "lag_seconds": {
            "type": "number",
            "description": "Age in seconds of the oldest committed event not yet processed"
            " (0 when none waits).",
        },
        "parked": {
            "type": "integer",
            "description": "Events held back after a failure, to be replayed (not in rows).",
        },
        "includes_min_position": {
            "type": "boolean",
            "nullable": True,
            "description": "With ?min_position=: whether this answer includes that event; false"
            " means the wait ran out first (ask again shortly). Null without it.",
        },
    },
    "required": [
        "name",
        "state",
        "position",
        "lag_events",
        "lag_seconds",
        "parked",
        "includes_min_position",
    ],
}


class ReadModelQuery(QueryParameters):
    """?min_position=, ?page= and ?page_size=, checked (DRF's paginator ignores a bad size)."""

    min_position = QueryIntegerField(required=False, min_value=1, max_value=2**62)
    page = QueryIntegerField(required=False, min_value=1, max_value=2**31)
    page_size = QueryIntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


def min_position(request: Request) -> int | None:
    """The request's ?min_position=, checked (400 when malformed), or None."""
    query = ReadModelQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("min_position")


def projection_progress(name: str, included: bool | None) -> dict[str, Any]:
    """Where projection ``name`` stands, on the database its rows are read from."""
    [status] = selectors.projection_statuses([name])
    return {
        "name": name,
        "state": status.state,
        "position": status.position,
        "lag_events": status.lag_events,
        "lag_seconds": round(status.lag_seconds, 3),
        "parked": status.parked,
        "includes_min_position": included,
    }


class ReadModelPagination(PageNumberPagination):
    """Numbered pages that also carry the projection's progress."""

    page_size = 50
    request_progress: dict[str, Any] | None = None
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {"page": (1, 2**31), "page_size": (1, MAX_PAGE_SIZE)}
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["projection"] = self.request_progress
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = without_example_links(super().get_paginated_response_schema(schema))
        paginated["properties"]["projection"] = PROGRESS_SCHEMA
        paginated["required"] = [*paginated.get("required", []), "projection"]
        return paginated


class ReadModelView(ApiView, ListAPIView):
    """A list over one projection's active generation."""

    permission_classes = [IsAuthenticated, MayReadLog]
    filter_backends = [DjangoFilterBackend]
    pagination_class = ReadModelPagination
    query_parameters = (ReadModelQuery,)
    projection = ""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assert isinstance(self.paginator, ReadModelPagination)
        # The rows and the progress are read from the same database: the replica, or the
        # primary when only it includes ?min_position= (projections.freshness).
        with reading_at_least(
            min_position(request),
            names=[self.projection],
            timeout=settings.API_MIN_POSITION_WAIT_SECONDS,
        ) as included:
            self.paginator.request_progress = projection_progress(self.projection, included)
            return super().list(request, *args, **kwargs)


READ_MODELS = ["read models"]


@extend_schema(
    summary="Cart summaries",
    description="Every cart as lists show it, newest activity first; filter, sort, search.",
    tags=READ_MODELS,
    parameters=[MIN_POSITION],
)
class CartSummaryList(ReadModelView):
    """GET /api/read-models/cart-summaries/"""

    serializer_class = CartSummarySerializer
    filterset_class = CartSummaryFilter
    projection = "cart_summaries"

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.cart_summaries().order_by("-last_activity_at", "-cart_id")


@extend_schema(
    summary="Product activity",
    description="Per SKU: added, removed, bought.",
    tags=READ_MODELS,
    parameters=[MIN_POSITION],
)
class ProductActivityList(ReadModelView):
    """GET /api/read-models/product-activity/"""

    serializer_class = ProductActivitySerializer
    filterset_class = ProductActivityFilter
    projection = "product_activity"

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.product_activity().order_by("sku")


@extend_schema(
    summary="Daily funnel",
    description="Per day, latest first.",
    tags=READ_MODELS,
    parameters=[MIN_POSITION],
)
class DailyFunnelList(ReadModelView):
    """GET /api/read-models/daily-funnel/"""

    serializer_class = DailyFunnelSerializer
    filterset_class = DailyFunnelFilter
    projection = "daily_funnel"

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.daily_funnel().order_by("-day")


class ProjectionStatusList(ApiView):
    """GET /api/read-models/projections/"""

    permission_classes = [IsAuthenticated, MayReadLog]

    @extend_schema(
        summary="Projection status",
        description="How far each projection is behind the log, and whether it is healthy.",
        tags=["read models"],
        responses={200: ProjectionStatusSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        statuses = selectors.projection_statuses()
        return Response(ProjectionStatusSerializer(statuses, many=True).data)
