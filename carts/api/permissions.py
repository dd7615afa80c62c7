"""Who may do what through the API.

- A shopper (any signed-in user) sees and changes only carts they own; anyone else's cart answers
  404, exactly like a cart that does not exist, so ids cannot be probed.
- Staff see and change every cart, may abandon carts, and read the feed and read models.
- Integrations are users in the ``integrations`` group, normally used through a token
  (``manage.py drf_create_token <username>``): they drive and read every cart and read the feed
  and read models, but cannot abandon carts (a staff decision).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from carts.domain.cart import Cart

INTEGRATION_GROUP = "integrations"


def owner_id_of(user: Any) -> str:
    """How a user is named as a cart's owner (the same actor id events carry)."""
    return f"user:{user.pk}"


def is_integration(user: Any) -> bool:
    """Staff, or a member of the integrations group."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or user.groups.filter(name=INTEGRATION_GROUP).exists()


def can_access_cart(user: Any, cart: Cart) -> bool:
    """Whether ``user`` may see and change ``cart``."""
    return may_use_cart_of(user, cart.owner_id)


def may_use_cart_of(user: Any, owner_id: str) -> bool:
    """Whether ``user`` may see and change a cart owned by ``owner_id``."""
    # The owner first: it needs no query, the integrations group does.
    return owner_id == owner_id_of(user) or is_integration(user)


class IsStaffOrIntegration(BasePermission):
    """Staff or integration users: the event feed and the read models."""

    message = "The event feed and read models are for staff and integration accounts."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_integration(request.user)


class IsStaff(BasePermission):
    """Staff only: abandoning a cart."""

    message = "Only staff may abandon a cart."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
