"""Lists an integration or a shopper pages through: the catalog, and the carts one may read.

Both are cursor-paged over a unique ordering (DRF's CursorPagination: ``?cursor=`` from the
``next`` link, ``?page_size=``), so a page never repeats or skips a row, even while rows are
added. The carts come from the cart summaries projection, as lists in the shop do, so a cart
just opened may take a moment to appear; the cart itself (GET /api/carts/{id}/) is always
current.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.utils.urls import replace_query_param

from carts.api.errors import ApiProblem
from carts.api.fields import QueryIntegerField, QueryParameters
from carts.api.filters import MAX_PRICE, CartListFilter, ProductFilter
from carts.api.read_model_serializers import CartSummarySerializer, ProductSerializer
from carts.api.schema import without_example_links
from carts.api.views.base import ApiView
from carts.api.views.commands import CartCreateView
from carts.application import selectors
from carts.web.request_context import person_of
from projections.selectors import cart_summaries

MAX_PAGE_SIZE = 200


class ListQuery(QueryParameters):
    """?cursor= (from a ``next`` or ``previous`` link) and ?page_size=, checked."""

    # No length limit of its own: a cursor is checked by its signature (a long one made up
    # answers 404 invalid_cursor like any other); an empty one is refused as every empty query
    # parameter is (400).
    cursor = serializers.CharField(required=False)
    page_size = QueryIntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class ListPagination(CursorPagination):
    """Cursor pages; the view names a unique ordering (DRF breaks ties on its first key)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        return tuple(view.ordering)

    def encode_cursor(self, cursor: Cursor) -> str:
        # Signed (django.core.signing, keyed by SECRET_KEY and salted with the list's ordering):
        # DRF's plain base64 cursor can be made up, and a made-up position reaches the database
        # as a value of the ordering's column (a date that is no date: a 500).
        signed = signing.dumps(list(cursor), salt=self._salt(), compress=False)
        return str(replace_query_param(str(self.base_url), self.cursor_query_param, signed))

    def decode_cursor(self, request: Any) -> Cursor | None:
        signed = request.query_params.get(self.cursor_query_param)
        if signed is None:
            return None
        try:
            offset, reverse, position = signing.loads(signed, salt=self._salt())
        except (signing.BadSignature, TypeError, ValueError):
            # 404 as for a page number beyond the last: no such page (DRF's answer, own code).
            raise ApiProblem(
                "this cursor was not handed out by this list; follow the `next` or `previous`"
                " link of a page, or leave cursor out for the first page",
                status_code=404,
                code="invalid_cursor",
            ) from None
        return Cursor(offset=offset, reverse=reverse, position=position)

    def _salt(self) -> str:
        # A cursor of one list (its ordering) is refused by another.
        return "carts.api.cursor:" + ",".join(self.ordering)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return without_example_links(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE_SIZE)
        return parameters


class CursorListView(ApiView, ListAPIView):
    """A cursor-paged, filtered list over ``ordering`` (which must end with a unique key)."""

    pagination_class = ListPagination
    query_parameters = (ListQuery,)
    ordering: tuple[str, ...] = ()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ListQuery(data=request.query_params).is_valid(raise_exception=True)
        return super().list(request, *args, **kwargs)


@extend_schema(
    summary="The catalog",
    description="Every product with its price now and whether it is on sale (`available`);"
    " sorted by SKU, cursor-paged.",
    tags=["catalog"],
    parameters=[
        OpenApiParameter(
            name,
            {"type": "number", "minimum": 0, "maximum": float(MAX_PRICE)},
            description=f"Price {bound} (in the product's currency).",
        )
        for name, bound in (("price_min", "at least"), ("price_max", "at most"))
    ],
    examples=[
        OpenApiExample(
            "a product",
            response_only=True,
            # One row: drf-spectacular lists it and wraps it in the page.
            value={
                "sku": "TEA-SEN",
                "name": "Sencha Kyoto",
                "description": "Bright, grassy Japanese green tea.",
                "price": "8.90",
                "currency": "EUR",
                "available": True,
            },
        )
    ],
)
class ProductList(CursorListView):
    """GET /api/products/"""

    permission_classes = [IsAuthenticated]
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering = ("sku",)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.every_product()


@extend_schema(
    methods=["GET"],
    summary="The carts you may read",
    description="A shopper's own carts (and guest carts merged into them); every cart for roles"
    " the access policy lets read every cart (staff, integrations). Newest first, cursor-paged."
    " Read from the cart summaries projection: a cart just opened may take a moment to appear.",
    tags=["cart queries"],
)
class CartCollectionView(CursorListView, CartCreateView):
    """GET (list) and POST (open) /api/carts/"""

    serializer_class = CartSummarySerializer
    filterset_class = CartListFilter
    # created_at never changes, so a cart never moves between pages; the cart id breaks ties.
    ordering = ("-created_at", "-cart_id")

    def get_queryset(self) -> QuerySet[Any]:
        readable = selectors.readable_cart_ids(person_of(self.request))  # type: ignore[arg-type]
        summaries = cart_summaries()
        return summaries if readable is None else summaries.filter(cart_id__in=readable)

    def get_throttles(self) -> list[BaseThrottle]:
        # Only opening a cart is a command; listing is a read.
        return [] if self.request.method in SAFE_METHODS else super().get_throttles()
