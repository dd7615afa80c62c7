"""Reading one cart: now, as of a version or a moment (time travel), and its event stream.

These replay the cart's own events, so they are always current (strongly consistent). Both
check the cart's stored history as they read it (carts.application.repository.integrity) and say the
outcome in the X-Integrity header (``intact`` or ``broken``); the cart's document also carries
it as ``integrity`` with the problems found. A broken cart is still served, as its events now
replay, so that its owner and staff can see what is stored; commands on it answer 409
``cart_integrity_failed``.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.errors import ApiProblem
from carts.api.fields import MomentField, QueryIntegerField, QueryParameters
from carts.api.permissions import CartPermission
from carts.api.preconditions import etag
from carts.api.schema import (
    CART_READ_EXAMPLE,
    EVENT_EXAMPLE,
    IF_NONE_MATCH,
    NOT_MODIFIED,
    etag_header,
    integrity_header,
    problems,
)
from carts.api.serializers import (
    CartReadSerializer,
    EventSerializer,
    cart_document,
    integrity_document,
)
from carts.api.views.base import ApiView
from carts.application import access, catalog, repository
from carts.domain.cart import Cart


class TimeTravelQuery(QueryParameters):
    """?version= and/or ?as_of=: with both, the cart at that version or that moment, if earlier."""

    version = QueryIntegerField(
        required=False, min_value=1, max_value=2_147_483_647, help_text="The cart after event N."
    )
    as_of = MomentField(
        required=False,
        help_text="The cart as it was at this moment: ISO 8601, UTC unless it carries an offset."
        " The last event recorded within the unit written is included: 10:15:42 means the whole"
        " second, 10:15:42.130 that millisecond, six decimals one microsecond.",
    )


class CartQueryView(ApiView):
    """Base of the cart queries: the access policy must let the person read the cart."""

    permission_classes = [IsAuthenticated, CartPermission]
    cart_actions = {"GET": access.Action.READ, "HEAD": access.Action.READ}

    def visible_cart(self, request: Request, cart_id: UUID) -> Cart:
        """The cart now; CartNotFound when it does not exist or this person may not read it."""
        cart = repository.load(cart_id)
        self.check_object_permissions(request, access.facts_of(cart))
        return cart


class CartDetailView(CartQueryView):
    """GET /api/carts/<id>/"""

    query_parameters = (TimeTravelQuery,)

    @extend_schema(
        summary="A cart, now or in the past",
        description="Without parameters, the cart now. With ?version=N, the cart right after its"
        " N-th event; with ?as_of=<ISO 8601 moment>, the cart as it was then; with both,"
        " whichever is earlier. Replayed from its events, so never stale. A cart you may read"
        " asked for before it was created answers 404 `not_yet_created` with its `created_at`;"
        " an unknown cart (or one you may not read) 404 `cart_not_found`, as always.",
        tags=["cart queries"],
        parameters=[
            TimeTravelQuery,
            IF_NONE_MATCH,
            etag_header(),
            etag_header(304),
            integrity_header(),
        ],
        responses={200: CartReadSerializer, 304: NOT_MODIFIED} | problems(404),
        examples=[CART_READ_EXAMPLE],
    )
    def get(self, request: Request, cart_id: UUID) -> Response:
        query = TimeTravelQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        cart = self.visible_cart(request, cart_id)
        version, as_of = query.validated_data.get("version"), query.validated_data.get("as_of")
        if version is not None and version > cart.version:
            raise ApiProblem(
                f"cart {cart_id} has {cart.version} versions; ask for 1 to {cart.version}",
                status_code=status.HTTP_404_NOT_FOUND,
                code="version_not_found",
            )
        if version is not None or as_of is not None:
            # After the access check: only a reader learns when the cart was created.
            moment = as_of.last_instant if as_of is not None else None
            cart = repository.load(cart_id, to_version=version, as_of=moment)
        # The whole history, as every other read path checks it: one answer for one cart.
        integrity = repository.integrity(cart_id)
        document = cart_document(cart, catalog.line_offers(cart))
        document |= {"integrity": integrity_document(integrity)}
        headers = {"ETag": etag(cart.version, document), "X-Integrity": integrity.status}
        return Response(document, headers=headers)


class CartEventsView(CartQueryView):
    """GET /api/carts/<id>/events/"""

    @extend_schema(
        summary="A cart's event stream",
        description="Every event of the cart in version order, with who, why and when, as"
        " stored. X-Integrity says whether they passed the integrity checks; the cart's own"
        " document (GET /api/carts/{id}/) lists the problems.",
        tags=["cart queries"],
        parameters=[integrity_header()],
        responses={
            200: OpenApiResponse(
                EventSerializer(many=True),
                "The events, oldest first.",
                # One event: drf-spectacular lists it, as the response is a list.
                examples=[OpenApiExample("one event", value=EVENT_EXAMPLE)],
            )
        }
        | problems(404),
    )
    def get(self, request: Request, cart_id: UUID) -> Response:
        self.visible_cart(request, cart_id)
        events = EventSerializer(repository.history(cart_id), many=True).data
        integrity = repository.integrity(cart_id).status
        return Response(events, headers={"X-Integrity": integrity})
