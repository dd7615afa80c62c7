"""Cart commands over HTTP: parse, check access, call one service, answer the cart.

Every command honours If-Match (the cart version it was decided on) and Idempotency-Key, and
answers the cart with its version as ETag and the position of the last event written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any
from uuid import UUID

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from carts.api.fields import StrictSerializer
from carts.api.idempotency import idempotency_key, run_once
from carts.api.preconditions import etag, expected_version
from carts.api.schema import SKU_IN_PATH, command_schema
from carts.api.serializers import (
    AbandonInput,
    AddItemInput,
    ApplyDiscountInput,
    CartCreateInput,
    ChangeQuantityInput,
    EmptyInput,
    UpdateLinePriceInput,
    cart_document,
)
from carts.api.views.base import ApiView
from carts.application import access, catalog, repository
from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    CartCommand,
    ChangeQuantity,
    CreateCart,
    RemoveDiscount,
    RemoveItem,
    UpdateLinePrice,
)
from carts.application.handler import CommandResult, handle
from carts.domain import errors
from carts.domain.money import MAX_AMOUNT
from carts.web.request_context import command_context, person_of


def cart_response(result: CommandResult, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The cart a command left, with ETag and X-Event-Position."""
    document = cart_document(result.cart, catalog.line_offers(result.cart))
    headers = {"ETag": etag(result.version, document)}
    if result.last_position is not None:
        headers["X-Event-Position"] = str(result.last_position)
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = reverse("api:cart-detail", kwargs={"cart_id": result.cart.id})
    return Response(document, status=status_code, headers=headers)


def current_tag(cart_id: UUID) -> str:
    """The opaque part of the ETag ``cart_id`` has now, as a command's answer gives it ("" for
    a cart that does not exist: the handler answers that one)."""
    try:
        cart = repository.load(cart_id)
    except errors.CartNotFound:
        return ""
    return etag(cart.version, cart_document(cart, catalog.line_offers(cart))).strip('"')


def execute(
    request: Request,
    *,
    body: type[StrictSerializer],
    command: type[CartCommand] | type[CreateCart],
    status_code: int = status.HTTP_200_OK,
    fields_of: Callable[[Mapping[str, Any]], dict[str, Any]] = dict,
    **path: Any,
) -> Response:
    """Build ``command`` from the path and the validated body, and hand it to the handler.

    ``fields_of`` turns the validated body into the command's fields (as they are, by default).
    Once per Idempotency-Key; nothing is written when anything refuses. The handler asks the
    access policy about the cart it loads, so a cart the person may not read answers 404 after
    the body was checked, exactly as a cart that does not exist.
    """
    # Headers are checked before a stored answer could be replayed: a malformed one is always 400.
    key = idempotency_key(request)
    current = partial(current_tag, path["cart_id"]) if "cart_id" in path else None
    expected = expected_version(request.headers.get("If-Match"), current_tag=current)

    def attempt() -> Response:
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = fields_of(serializer.validated_data)
        if issubclass(command, CartCommand):
            fields["expected_version"] = expected
        context = command_context(request, source="api")  # type: ignore[arg-type]
        result = handle(command(**path, **fields), context)
        return cart_response(result, status_code=status_code)

    def may_replay() -> None:
        # The stored answer shows the cart: only to someone who may still read it.
        if "cart_id" in path:
            person = person_of(request)  # type: ignore[arg-type]
            access.require(person, access.Action.READ, access.facts_of_stream(path["cart_id"]))

    return run_once(request, key, attempt, may_replay=may_replay) if key else attempt()


class CommandView(ApiView):
    """Base of the command views: authenticated and throttled per user.

    Who may run which command on which cart is the access policy's answer, asked by the
    handler about the cart it loaded (one read serves the check and the decision).
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "cart_commands"
    permission_classes = [IsAuthenticated]


AMOUNT_RULES = (
    f"Every amount of a cart (unit price, line total, subtotal, discount, total) is at most"
    f" {MAX_AMOUNT}: a command that would exceed it answers 422 `amount_out_of_range` and"
    " writes nothing."
)
CURRENCY_RULES = (
    "`currency` must be one the shop sells (one an active product is priced in): a malformed"
    " code answers 400 `invalid_currency`, one nothing is priced in 422 `currency_not_sold`."
    " Without it, the cart's first item decides."
)


class CartCreateView(CommandView):
    """POST /api/carts/"""

    @command_schema(
        "Open a cart",
        request=CartCreateInput,
        description=CURRENCY_RULES,
        status=201,
        errors=(409, 413, 415, 422),
        conditional=False,
        examples=[
            OpenApiExample("in euros", value={"currency": "EUR"}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        return execute(request, body=CartCreateInput, command=CreateCart, status_code=201)


class CartItemsView(CommandView):
    """POST /api/carts/<id>/items/"""

    @command_schema(
        "Add an item",
        request=AddItemInput,
        description=AMOUNT_RULES,
        examples=[
            OpenApiExample("two teas", value={"sku": "TEA-SEN", "quantity": 2}, request_only=True)
        ],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(request, body=AddItemInput, command=AddItem, cart_id=cart_id)


class CartItemView(CommandView):
    """PUT and DELETE /api/carts/<id>/items/<sku>/"""

    @command_schema(
        "Change a quantity",
        request=ChangeQuantityInput,
        description=AMOUNT_RULES,
        parameters=[SKU_IN_PATH],
        examples=[OpenApiExample("three", value={"quantity": 3}, request_only=True)],
    )
    def put(self, request: Request, cart_id: UUID, sku: str) -> Response:
        return execute(
            request, body=ChangeQuantityInput, command=ChangeQuantity, cart_id=cart_id, sku=sku
        )

    @command_schema("Remove an item", request=None, parameters=[SKU_IN_PATH])
    def delete(self, request: Request, cart_id: UUID, sku: str) -> Response:
        return execute(request, body=EmptyInput, command=RemoveItem, cart_id=cart_id, sku=sku)


class CartLinePriceView(CommandView):
    """PUT /api/carts/<id>/items/<sku>/price/"""

    @command_schema(
        "Accept the catalog's price for a line",
        request=UpdateLinePriceInput,
        parameters=[SKU_IN_PATH],
        examples=[OpenApiExample("new price", value={"unit_price": "8.90"}, request_only=True)],
    )
    def put(self, request: Request, cart_id: UUID, sku: str) -> Response:
        return execute(
            request, body=UpdateLinePriceInput, command=UpdateLinePrice, cart_id=cart_id, sku=sku
        )


class CartDiscountView(CommandView):
    """POST and DELETE /api/carts/<id>/discount/"""

    @command_schema(
        "Apply a discount code",
        request=ApplyDiscountInput,
        examples=[OpenApiExample("ten percent", value={"code": "WELCOME10"}, request_only=True)],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(request, body=ApplyDiscountInput, command=ApplyDiscount, cart_id=cart_id)

    @command_schema("Remove the discount", request=None)
    def delete(self, request: Request, cart_id: UUID) -> Response:
        return execute(request, body=EmptyInput, command=RemoveDiscount, cart_id=cart_id)


class CartAbandonView(CommandView):
    """POST /api/carts/<id>/abandon/ (operators)"""

    @command_schema(
        "Abandon a cart (operators)",
        request=AbandonInput,
        examples=[
            OpenApiExample("a reason", value={"reason": "customer asked"}, request_only=True)
        ],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(request, body=AbandonInput, command=Abandon, cart_id=cart_id)
