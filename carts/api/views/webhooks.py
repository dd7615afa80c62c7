"""/api/webhooks/: webhook subscriptions (integrations and staff; auditors read).

Thin: parse the body, call projections.webhooks.subscriptions, serialize. Who may do what is
carts.application.access (see carts.api.permissions.WebhookPermission); an integration sees
only the subscriptions it created, and any other id answers 404 as one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from carts.api.errors import ApiProblem
from carts.api.permissions import WebhookPermission
from carts.api.schema import problems
from carts.api.views.base import ApiView
from carts.api.webhook_serializers import (
    ReplayInput,
    RotateSecretInput,
    SubscriptionInput,
    SubscriptionSerializer,
    SubscriptionWithSecretSerializer,
)
from carts.application import access
from carts.web.request_context import person_of
from projections.webhooks import subscriptions
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.subscriptions import Changes

TAGS = ["webhooks"]
CHANGE_ERRORS = (400, 404, 413, 415, 422)


def _visible(request: Request) -> QuerySet[WebhookSubscription]:
    scope = access.webhook_creator_scope(person_of(request))  # type: ignore[arg-type]
    found = WebhookSubscription.objects.all()
    return found if scope is None else found.filter(created_by=scope)


def _subscription(request: Request, subscription_id: UUID) -> WebhookSubscription:
    sub = _visible(request).filter(pk=subscription_id).first()
    if sub is None:
        raise ApiProblem(
            f"no webhook subscription {subscription_id}; GET /api/webhooks/ lists yours",
            status_code=status.HTTP_404_NOT_FOUND,
            code="webhook_not_found",
        )
    return sub


def _body(serializer: type[Serializer], request: Request, *, partial: bool = False) -> Any:
    body = serializer(data=request.data, partial=partial)
    body.is_valid(raise_exception=True)
    return body.validated_data


class WebhookView(ApiView):
    permission_classes = [IsAuthenticated, WebhookPermission]


class WebhookCollectionView(WebhookView):
    """GET, POST /api/webhooks/"""

    @extend_schema(
        summary="Webhook subscriptions",
        # Named apart from the GET of one subscription, which drf-spectacular would also call
        # webhooks_retrieve (and then number).
        operation_id="webhooks_list",
        tags=TAGS,
        responses={200: SubscriptionSerializer(many=True)} | problems(401, 403),
    )
    def get(self, request: Request) -> Response:
        return Response(SubscriptionSerializer(_visible(request), many=True).data)

    @extend_schema(
        summary="Subscribe to events",
        description="Deliveries start with the next event committed, perhaps with a few"
        " committed just before (replay for history). The answer holds the signing secret,"
        " shown here and on rotation only.",
        tags=TAGS,
        request=SubscriptionInput,
        responses={201: SubscriptionWithSecretSerializer} | problems(*CHANGE_ERRORS),
    )
    def post(self, request: Request) -> Response:
        data = _body(SubscriptionInput, request)
        created_by = person_of(request).user_id
        sub = subscriptions.create(Changes(**data), created_by=created_by)
        location = f"/api/webhooks/{sub.pk}/"
        body = SubscriptionWithSecretSerializer(sub).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class WebhookDetailView(WebhookView):
    """GET, PATCH, DELETE /api/webhooks/<id>/"""

    @extend_schema(
        summary="One webhook subscription",
        operation_id="webhook_retrieve",
        tags=TAGS,
        responses={200: SubscriptionSerializer} | problems(401, 403, 404),
    )
    def get(self, request: Request, subscription_id: UUID) -> Response:
        return Response(SubscriptionSerializer(_subscription(request, subscription_id)).data)

    @extend_schema(
        summary="Change a webhook subscription",
        description="Any of target_url, event_types, stream_types, description; active false"
        " pauses it, true resumes it (the event it stopped at is tried again at once).",
        tags=TAGS,
        request=SubscriptionInput,
        responses={200: SubscriptionSerializer} | problems(*CHANGE_ERRORS),
    )
    def patch(self, request: Request, subscription_id: UUID) -> Response:
        sub = _subscription(request, subscription_id)
        data = _body(SubscriptionInput, request, partial=True)
        sub = subscriptions.update(sub.pk, Changes(**data))
        return Response(SubscriptionSerializer(sub).data)

    @extend_schema(
        summary="Delete a webhook subscription",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Deleted.")} | problems(401, 403, 404),
    )
    def delete(self, request: Request, subscription_id: UUID) -> Response:
        subscriptions.delete(_subscription(request, subscription_id).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(WebhookView):
    """POST /api/webhooks/<id>/rotate-secret/"""

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret; the one it replaces signs too (a second signature in"
        " webhook-signature) for overlap_seconds, so receivers can switch without refusing.",
        tags=TAGS,
        request=RotateSecretInput,
        responses={200: SubscriptionWithSecretSerializer} | problems(*CHANGE_ERRORS),
    )
    def post(self, request: Request, subscription_id: UUID) -> Response:
        sub = _subscription(request, subscription_id)
        data = _body(RotateSecretInput, request)
        seconds = data.get("overlap_seconds")
        overlap = None if seconds is None else timedelta(seconds=seconds)
        sub = subscriptions.rotate_secret(sub.pk, overlap=overlap)
        return Response(SubscriptionWithSecretSerializer(sub).data)


class WebhookReplayView(WebhookView):
    """POST /api/webhooks/<id>/replay/"""

    @extend_schema(
        summary="Deliver again from a checkpoint",
        description="Moves the subscription back (or forward) to `after`; every matching event"
        " after it is delivered again, in order, with its own webhook-id as before.",
        tags=TAGS,
        request=ReplayInput,
        responses={200: SubscriptionSerializer} | problems(*CHANGE_ERRORS),
    )
    def post(self, request: Request, subscription_id: UUID) -> Response:
        sub = _subscription(request, subscription_id)
        data = _body(ReplayInput, request)
        sub = subscriptions.replay_from(sub.pk, data["after"])
        return Response(SubscriptionSerializer(sub).data)
