"""Cart commands over HTTP: parse, check access, call one service, answer the cart.

Every command honours If-Match (the cart version it was decided on) and Idempotency-Key, and
answers the cart with its version as ETag and the position of the last event written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from carts.api.fields import StrictSerializer
from carts.api.idempotency import idempotency_key, run_once
from carts.api.permissions import CartPermission
from carts.api.preconditions import etag, expected_version
from carts.api.schema import command_schema
from carts.api.serializers import (
    AbandonInput,
    AddItemInput,
    ApplyDiscountInput,
    CartCreateInput,
    ChangeQuantityInput,
    EmptyInput,
    cart_document,
)
from carts.application import access, services
from carts.application.services import CommandResult
from carts.web.request_context import context_from_request, person_of
from eventstore.metadata import Metadata

# A command: (validated body, event metadata, If-Match version or None) -> what it did.
Command = Callable[[dict[str, Any], Metadata, int | None], CommandResult]


def cart_response(result: CommandResult, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The cart a command left, with ETag and X-Event-Position."""
    headers = {"ETag": etag(result.version)}
    if result.last_position is not None:
        headers["X-Event-Position"] = str(result.last_position)
    if status_code == status.HTTP_201_CREATED:
        headers["Location"] = reverse("api:cart-detail", kwargs={"cart_id": result.cart.id})
    return Response(cart_document(result.cart), status=status_code, headers=headers)


def execute(
    view: APIView,
    request: Request,
    *,
    body: type[StrictSerializer],
    command: Command,
    cart_id: UUID | None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """Run one command, once per Idempotency-Key; nothing is written when anything refuses."""

    # Headers are checked before a stored answer could be replayed: a malformed one is always 400.
    key = idempotency_key(request)
    expected = expected_version(request)

    def attempt() -> Response:
        serializer = body(data=request.data)
        serializer.is_valid(raise_exception=True)
        if cart_id is not None:
            # The owner is all the policy needs for the usual answer, and CartCreated
            # (version 1) fixes it for good: one event read instead of a full replay.
            view.check_object_permissions(request, access.facts_of_stream(cart_id))
        context = context_from_request(request, source="api")  # type: ignore[arg-type]
        result = command(dict(serializer.validated_data), context, expected)
        return cart_response(result, status_code=status_code)

    return run_once(request, key, attempt) if key else attempt()


class CommandView(APIView):
    """Base of the command views: throttled per user; the access policy decides per cart.

    ``cart_actions`` names what each HTTP method asks the policy for (an access.Action).
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "cart_commands"
    permission_classes = [IsAuthenticated, CartPermission]
    cart_actions: dict[str, access.Action] = {
        "POST": access.Action.SHOP,
        "PUT": access.Action.SHOP,
        "DELETE": access.Action.SHOP,
    }


class CartCreateView(CommandView):
    """POST /api/carts/"""

    @command_schema(
        "Open a cart",
        request=CartCreateInput,
        status=201,
        errors=(409, 413, 415, 422),
        conditional=False,
        examples=[
            OpenApiExample("in euros", value={"currency": "EUR"}, request_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        def create(data: dict[str, Any], context: Metadata, _: int | None) -> CommandResult:
            return services.cart_create(
                context=context,
                owner_id=self._owner(request, data.get("owner_id")),
                currency=data.get("currency", ""),
                cart_id=data.get("cart_id"),
            )

        return execute(
            self, request, body=CartCreateInput, command=create, cart_id=None, status_code=201
        )

    @staticmethod
    def _owner(request: Request, asked: str | None) -> str:
        person = person_of(request)  # type: ignore[arg-type]
        owner_id = asked or person.own_id
        if not access.may_open_cart_for(person, owner_id):
            raise PermissionDenied(
                "Only operators, integrations and superusers open carts for someone else."
            )
        return owner_id


class CartItemsView(CommandView):
    """POST /api/carts/<id>/items/"""

    @command_schema(
        "Add an item",
        request=AddItemInput,
        examples=[
            OpenApiExample("two teas", value={"sku": "TEA-001", "quantity": 2}, request_only=True)
        ],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            self,
            request,
            body=AddItemInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_add_item(
                cart_id=cart_id, context=context, expected_version=expected, **data
            ),
        )


class CartItemView(CommandView):
    """PUT and DELETE /api/carts/<id>/items/<sku>/"""

    @command_schema(
        "Change a quantity",
        request=ChangeQuantityInput,
        examples=[OpenApiExample("three", value={"quantity": 3}, request_only=True)],
    )
    def put(self, request: Request, cart_id: UUID, sku: str) -> Response:
        return execute(
            self,
            request,
            body=ChangeQuantityInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_change_quantity(
                cart_id=cart_id, sku=sku, context=context, expected_version=expected, **data
            ),
        )

    @command_schema("Remove an item", request=None)
    def delete(self, request: Request, cart_id: UUID, sku: str) -> Response:
        return execute(
            self,
            request,
            body=EmptyInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_remove_item(
                cart_id=cart_id, sku=sku, context=context, expected_version=expected
            ),
        )


class CartDiscountView(CommandView):
    """POST and DELETE /api/carts/<id>/discount/"""

    @command_schema(
        "Apply a discount code",
        request=ApplyDiscountInput,
        examples=[OpenApiExample("ten percent", value={"code": "WELCOME10"}, request_only=True)],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            self,
            request,
            body=ApplyDiscountInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_apply_discount(
                cart_id=cart_id, context=context, expected_version=expected, **data
            ),
        )

    @command_schema("Remove the discount", request=None)
    def delete(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            self,
            request,
            body=EmptyInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_remove_discount(
                cart_id=cart_id, context=context, expected_version=expected
            ),
        )


class CartCheckoutView(CommandView):
    """POST /api/carts/<id>/checkout/"""

    @command_schema("Check out", request=EmptyInput)
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            self,
            request,
            body=EmptyInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_check_out(
                cart_id=cart_id, context=context, expected_version=expected
            ),
        )


class CartAbandonView(CommandView):
    """POST /api/carts/<id>/abandon/ (operators)"""

    cart_actions = {"POST": access.Action.ABANDON}

    @command_schema(
        "Abandon a cart (operators)",
        request=AbandonInput,
        examples=[
            OpenApiExample("a reason", value={"reason": "customer asked"}, request_only=True)
        ],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            self,
            request,
            body=AbandonInput,
            cart_id=cart_id,
            command=lambda data, context, expected: services.cart_abandon(
                cart_id=cart_id,
                reason=data.get("reason", ""),
                context=context,
                expected_version=expected,
            ),
        )
