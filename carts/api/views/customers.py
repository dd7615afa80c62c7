"""A customer's personal data over HTTP: their own copy of it, and forgetting them.

- GET /api/me/data/: everything the shop holds about the caller (a signed-in shopper or the
  session's guest), decrypted, as a JSON download (GDPR art. 15 and 20);
  carts.application.customer_data.
- POST /api/customers/<customer id>/forget/: erase a customer's personal data everywhere, their
  history kept (GDPR art. 17); carts.application.forgetting. Staff with the 'forget person'
  permission only; Idempotency-Key honoured as for cart commands.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from carts.api.fields import StrictCharField, StrictSerializer
from carts.api.idempotency import idempotency_key, run_once
from carts.api.permissions import HasOwnData, MayForgetCustomers
from carts.api.schema import CORRELATION_ID, IDEMPOTENCY_KEY, problems
from carts.api.views.base import ApiView
from carts.application.customer_data import FORMAT, customer_data
from carts.application.forgetting import REASON_MAX, Forgotten, forget_customer
from carts.web.request_context import command_context, person_of

# --- the caller's own data ---------------------------------------------------------------------


class DataEventSerializer(serializers.Serializer):
    """One event of one of your carts, personal values decrypted."""

    version = serializers.IntegerField()
    event_type = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    payload = serializers.DictField()
    metadata = serializers.DictField(
        help_text="Who, why and from where; the client address and user agent only of the"
        " events you caused."
    )


class DataCartSerializer(serializers.Serializer):
    """One of your carts and all its events, oldest first."""

    cart_id = serializers.UUIDField()
    events = DataEventSerializer(many=True)


class CustomerDataSerializer(serializers.Serializer):
    """Everything the shop holds about you (carts.application.customer_data)."""

    format = serializers.CharField(help_text=f"The document's format: {FORMAT}.")
    generated_at = serializers.DateTimeField()
    customer_ids = serializers.ListField(child=serializers.CharField())
    account = serializers.DictField(allow_null=True, help_text="Null for a guest.")
    carts = DataCartSerializer(many=True)


DATA_EXAMPLE = OpenApiExample(
    "a shopper with one cart",
    response_only=True,
    value={
        "format": FORMAT,
        "generated_at": "2026-11-30T12:00:00+00:00",
        "customer_ids": ["user:2"],
        "account": {
            "id": "user:2",
            "username": "ada",
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_joined": "2026-11-01T09:00:00+00:00",
        },
        "carts": [
            {
                "cart_id": "0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a11",
                "events": [
                    {
                        "version": 1,
                        "event_type": "cart.CartCreated",
                        "recorded_at": "2026-11-26T10:15:00+00:00",
                        "payload": {"owner_id": "user:2", "currency": "EUR"},
                        "metadata": {"actor": "user:2", "source": "ui"},
                    }
                ],
            }
        ],
    },
)


class MyDataView(ApiView):
    """GET /api/me/data/"""

    permission_classes = [HasOwnData]

    @extend_schema(
        summary="Download your own data",
        description="Every cart that is yours (as a shopper, or as this session's guest, and"
        " the guest carts merged into yours) with every event, personal values decrypted"
        ' (or "[erased]" once forgotten), and your account. Served as an attachment; never'
        " cached.",
        tags=["your data"],
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                description='attachment; filename="ledger-shop-data-<date>.json"',
                response=[200],
            )
        ],
        responses={200: CustomerDataSerializer},
        examples=[DATA_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        data = customer_data(person_of(request))  # type: ignore[arg-type]
        filename = f"ledger-shop-data-{timezone.now():%Y-%m-%d}.json"
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}"',
            # Personal data: no shared or browser cache keeps a copy.
            "Cache-Control": "no-store",
        }
        return Response(data, headers=headers)


# --- forgetting a customer ---------------------------------------------------------------------


class ForgetCustomerInput(StrictSerializer):
    """Why the customer is forgotten."""

    reason = StrictCharField(
        max_length=REASON_MAX,
        help_text="Why, e.g. the erasure request's reference; recorded in the CustomerForgotten"
        " event.",
    )


class ForgottenSerializer(serializers.Serializer):
    """What forgetting did."""

    customer = serializers.CharField()
    subjects = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every data subject whose keys were deleted (the customer, guest identities"
        " that acted on their carts, carts nobody owned).",
    )
    carts = serializers.ListField(child=serializers.UUIDField())
    keys_deleted = serializers.IntegerField()
    position = serializers.IntegerField(help_text="Global position of the CustomerForgotten event.")


CUSTOMER_IN_PATH = OpenApiParameter(
    "customer_id",
    {"type": "string", "maxLength": 80},
    OpenApiParameter.PATH,
    description="'user:<id>' or 'guest:<id>'; anything else answers 400 invalid_customer, a"
    " customer the shop never knew 404 unknown_customer.",
    examples=[OpenApiExample("a shopper", value="user:2")],
)


def forgotten_document(forgotten: Forgotten) -> dict[str, Any]:
    """What ForgottenSerializer gives for ``forgotten``."""
    return {
        "customer": forgotten.customer,
        "subjects": list(forgotten.subjects),
        "carts": [str(cart) for cart in forgotten.carts],
        "keys_deleted": forgotten.keys_deleted,
        "position": forgotten.position,
    }


class ForgetCustomerView(ApiView):
    """POST /api/customers/<customer id>/forget/ (staff with the 'forget person' permission)"""

    permission_classes = [IsAuthenticated, MayForgetCustomers]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "cart_commands"

    @extend_schema(
        summary="Forget a customer",
        description="Deletes the keys the customer's personal data was encrypted under and"
        " records a CustomerForgotten event (who asked, when, why). From then on every cart"
        ' document, event and feed page shows "[erased]" instead of their data; amounts,'
        " lines and verification are unchanged. Forgetting someone already forgotten records"
        " it again. Nothing is written when refused.",
        tags=["customers"],
        request=ForgetCustomerInput,
        parameters=[CUSTOMER_IN_PATH, IDEMPOTENCY_KEY, CORRELATION_ID],
        responses={200: ForgottenSerializer} | problems(404, 413, 415, 422),
        examples=[
            OpenApiExample("a request", value={"reason": "erasure #1234"}, request_only=True)
        ],
    )
    def post(self, request: Request, customer_id: str) -> Response:
        key = idempotency_key(request)

        def attempt() -> Response:
            body = ForgetCustomerInput(data=request.data)
            body.is_valid(raise_exception=True)
            context = command_context(request, source="api")  # type: ignore[arg-type]
            forgotten = forget_customer(
                customer_id, reason=body.validated_data["reason"], context=context
            )
            headers = {"X-Event-Position": str(forgotten.position)}
            return Response(forgotten_document(forgotten), headers=headers)

        return run_once(request, key, attempt) if key else attempt()
