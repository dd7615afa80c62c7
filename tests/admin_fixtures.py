"""Users and carts the admin tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from carts.application.commands import (
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CreateCart,
    RemoveItem,
)
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.models import Event
from projections import tasks
from projections.registry import names
from projections.selectors import projection_includes


def staff_member(username: str, *codenames: str) -> User:
    """A staff user holding exactly the permissions with these codenames."""
    user = User.objects.create_user(username, password="x", is_staff=True)
    permissions = list(Permission.objects.filter(codename__in=codenames))
    assert len(permissions) == len(codenames), f"unknown permission among {codenames}"
    user.user_permissions.add(*permissions)
    return user


@pytest.fixture
def auditor(db) -> User:
    """A staff member allowed to read the event log, and nothing more."""
    return staff_member("auditor", "view_event")


@pytest.fixture
def auditor_client(client: Client, auditor: User) -> Client:
    client.force_login(auditor)
    return client


@pytest.fixture
def agent(db) -> User:
    """A staff member who reads the event log and may act on carts from the timeline."""
    return staff_member("agent", "view_event", "act_on_cart")


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def busy_cart(catalog, meta: Metadata) -> UUID:
    """An open cart whose history adds, changes, removes, discounts and adds again."""
    cart_id = handle(CreateCart(owner_id="user:7"), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=5), Context.system(meta))
    handle(ApplyDiscount(cart_id=cart_id, code="WELCOME10"), Context.system(meta))
    handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=3), Context.system(meta))
    return cart_id


@pytest.fixture
def project_everything() -> Callable[[], None]:
    """Catch every projection up to the last event written, however long that takes to settle.

    On PostgreSQL the global reader hands out a test's own (uncommitted) events only once every
    older transaction on the server has finished, so one catch-up may read nothing yet; this
    catches up again until every projection includes the head, and fails after a generous wait.
    """

    def run() -> None:
        head = Event.objects.order_by("-position").values_list("position", flat=True).first()
        deadline = time.monotonic() + 30
        while True:
            tasks.catch_up()
            if head is None or all(projection_includes(name, head) for name in names()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"projections did not reach event #{head} in 30 s")
            time.sleep(0.05)

    return run
