"""Checking out over HTTP: the checkout details, then the checkout (or both in one call).

Both are cart commands (see carts.api.views.commands): If-Match, Idempotency-Key, the cart in
the answer. The body's shape is the serializers'; whether the details can be delivered to is
carts.application.checkout_details.checked_details, as for the shop's checkout page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiExample
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.checkout_serializers import CheckoutDetailsInput, CheckoutInput
from carts.api.schema import command_schema
from carts.api.views.commands import CommandView, execute
from carts.application.checkout_details import checked_details
from carts.application.commands import CheckOut, ProvideCheckoutDetails
from carts.domain.errors import InvalidCheckoutDetails

DETAILS_RULES = (
    "Checked as the shop's checkout page checks them: `email` an address (RFC 5322 syntax,"
    " normalised), `country` an ISO 3166-1 alpha-2 code the shop ships to, every required"
    " field non-blank, no control characters; whitespace is trimmed. A value breaking a rule"
    " answers 400 `invalid_checkout_details` with the field named in `errors`, and writes"
    ' nothing. Personal data: stored encrypted, and read as "[erased]" once the customer was'
    " forgotten."
)
DETAILS_EXAMPLE = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "address_line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


def details_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """ProvideCheckoutDetails' fields from a checkout-details body; InvalidCheckoutDetails."""
    return {"details": checked_details(dict(body))}


def checkout_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """CheckOut's fields from a checkout body: the details it carries, checked, or none.

    InvalidCheckoutDetails names the field as the body nests it (``checkout_details.email``).
    """
    given = body.get("checkout_details")
    if given is None:
        return {}
    try:
        return {"details": checked_details(dict(given))}
    except InvalidCheckoutDetails as invalid:
        raise InvalidCheckoutDetails(
            invalid.message, field=f"checkout_details.{invalid.field}"
        ) from None


class CartCheckoutDetailsView(CommandView):
    """PUT /api/carts/<id>/checkout-details/"""

    @command_schema(
        "Give the checkout details",
        request=CheckoutDetailsInput,
        description="Who the order is for and where it goes; needed before checking out."
        " Giving the same details again records nothing. " + DETAILS_RULES,
        examples=[OpenApiExample("to London", value=DETAILS_EXAMPLE, request_only=True)],
    )
    def put(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            request,
            body=CheckoutDetailsInput,
            command=ProvideCheckoutDetails,
            fields_of=details_of,
            cart_id=cart_id,
        )


class CartCheckoutView(CommandView):
    """POST /api/carts/<id>/checkout/"""

    @command_schema(
        "Check out",
        request=CheckoutInput,
        description="Buys the cart as it stands; the answer carries its `order_number`. The"
        " checkout details come before (PUT checkout-details/) or in this body, then recorded"
        " first; without any: 422 `checkout_details_missing`. " + DETAILS_RULES,
        examples=[
            OpenApiExample("details given before", value={}, request_only=True),
            OpenApiExample(
                "in one call",
                value={"checkout_details": DETAILS_EXAMPLE},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, cart_id: UUID) -> Response:
        return execute(
            request, body=CheckoutInput, command=CheckOut, fields_of=checkout_of, cart_id=cart_id
        )
