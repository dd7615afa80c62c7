"""The API's permission classes: each asks the one access policy, carts.application.access.

- :class:`CartPermission` guards every cart endpoint: a view names the action each HTTP method
  asks for (``cart_actions``) and calls ``check_object_permissions`` with the cart's facts. A
  person who may not read the cart gets 404 (``cart_not_found``), exactly as for a cart that
  does not exist; one who may read it but not act gets 403.
- :class:`MayReadLog` guards the event feed and the read models.
- :class:`MayForgetCustomers` guards forgetting a customer (the 'forget person' permission).
- :class:`HasOwnData` lets a shopper or a session's guest download their own data.
- :class:`WebhookPermission` guards the webhook subscriptions: reading for those who may read
  them, every other method for those who may manage them (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from carts.application import access, forgetting
from carts.web.request_context import person_of

INTEGRATION_GROUP = access.INTEGRATION_GROUP


class CartPermission(BasePermission):
    """The access policy's answer for the cart a view loaded and the action its method asks."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        action = view.cart_actions[request.method]
        try:
            access.require(person_of(request), action, obj)  # type: ignore[arg-type]
        except access.Refused as refused:
            raise PermissionDenied(str(refused)) from None
        return True


class MayReadLog(BasePermission):
    """Auditors, integrations and superusers: the event feed and the read models."""

    message = (
        "The event feed and read models are for auditors (the 'view event' permission),"
        " integrations and superusers."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.may_read_log(person_of(request))  # type: ignore[arg-type]


class MayForgetCustomers(BasePermission):
    """Holders of the 'forget person' permission (eventstore.forget_person) and superusers."""

    message = "Forgetting a customer needs the 'forget person' permission."

    def has_permission(self, request: Request, view: Any) -> bool:
        return forgetting.may_forget(person_of(request))  # type: ignore[arg-type]


class HasOwnData(BasePermission):
    """Whoever the shop knows as a customer: a signed-in user, or a session with a guest
    identity (one that shopped); anyone else is not authenticated (401)."""

    message = "Sign in, or shop as a guest in this session, to download your data."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(person_of(request).owner_ids)  # type: ignore[arg-type]


class WebhookPermission(BasePermission):
    """Readers of webhook subscriptions may GET; only their managers may change anything."""

    def has_permission(self, request: Request, view: Any) -> bool:
        person = person_of(request)
        if request.method in SAFE_METHODS:
            if access.may_read_webhooks(person):  # type: ignore[arg-type]
                return True
            raise PermissionDenied(
                "Webhook subscriptions are for integrations, auditors and staff who manage them."
            )
        if access.may_manage_webhooks(person):  # type: ignore[arg-type]
            return True
        raise PermissionDenied(
            "Managing webhook subscriptions needs the integrations group or the 'change webhook"
            " subscription' permission; auditors may only read them."
        )
