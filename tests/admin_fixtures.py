"""Users and carts the admin tests share."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from carts import services
from eventstore.metadata import Metadata


@pytest.fixture
def auditor(db) -> User:
    """A staff member allowed to read the event log, and nothing more."""
    user = User.objects.create_user("auditor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_event"))
    return user


@pytest.fixture
def auditor_client(client: Client, auditor: User) -> Client:
    client.force_login(auditor)
    return client


@pytest.fixture
def busy_cart(catalog, meta: Metadata) -> UUID:
    """An open cart whose history adds, changes, removes, discounts and adds again."""
    cart_id = services.cart_create(context=meta, owner_id="user:7").cart.id
    services.cart_add_item(cart_id=cart_id, sku="TEA-001", quantity=2, context=meta)
    services.cart_add_item(cart_id=cart_id, sku="MUG-001", quantity=1, context=meta)
    services.cart_change_quantity(cart_id=cart_id, sku="TEA-001", quantity=5, context=meta)
    services.cart_apply_discount(cart_id=cart_id, code="WELCOME10", context=meta)
    services.cart_remove_item(cart_id=cart_id, sku="MUG-001", context=meta)
    services.cart_add_item(cart_id=cart_id, sku="MUG-001", quantity=3, context=meta)
    return cart_id
