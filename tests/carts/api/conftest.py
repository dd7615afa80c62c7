"""Fixtures for the API tests: people in every role, clients signed in as them, a cart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from carts.api.permissions import INTEGRATION_GROUP
from carts.application import demo
from carts.models import DiscountCode, Product
from tests.checkout_details import DETAILS_FIELDS

# A checkout body that gives the details in the same call.
CHECKOUT = {"checkout_details": DETAILS_FIELDS}


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    # Throttle counters live in the cache; each test starts with a clean allowance.
    cache.clear()


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("olive")


@pytest.fixture
def other_shopper(db) -> User:
    return User.objects.create_user("oscar")


@pytest.fixture
def staff(db) -> User:
    """A staff member who reads everything and acts on carts (auditor and operator)."""
    user = User.objects.create_user("stella", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_event", "act_on_cart"])
    )
    return user


@pytest.fixture
def integration(db) -> User:
    user = User.objects.create_user("erp-bot")
    user.groups.add(Group.objects.get_or_create(name=INTEGRATION_GROUP)[0])
    return user


def token_client(user: User) -> APIClient:
    """A client that authenticates as ``user`` with a DRF token, as integrations do."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def as_owner(owner: User) -> APIClient:
    return token_client(owner)


@pytest.fixture
def as_other(other_shopper: User) -> APIClient:
    return token_client(other_shopper)


@pytest.fixture
def as_staff(staff: User) -> APIClient:
    return token_client(staff)


@pytest.fixture
def as_integration(integration: User) -> APIClient:
    return token_client(integration)


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def new_cart(as_owner: APIClient, catalog) -> Callable[..., UUID]:
    """Open a cart as the owner (optionally with items) and return its id."""

    def make(*items: tuple[str, int]) -> UUID:
        response = as_owner.post("/api/carts/", {}, format="json")
        assert response.status_code == 201, response.content
        cart_id = UUID(response.json()["id"])
        for sku, quantity in items:
            added = as_owner.post(
                f"/api/carts/{cart_id}/items/", {"sku": sku, "quantity": quantity}, format="json"
            )
            assert added.status_code == 200, added.content
        return cart_id

    return make


def give_details(client: APIClient, cart_id: UUID | str, **headers: Any) -> Any:
    """PUT the test details on ``cart_id`` as ``client``, asserting they were taken."""
    url = f"/api/carts/{cart_id}/checkout-details/"
    response = client.put(url, DETAILS_FIELDS, format="json", **headers)
    assert response.status_code == 200, response.content
    return response


def problem_of(response: Any) -> dict[str, Any]:
    """The problem-details body of an error response, checking its media type on the way."""
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == response.status_code
    return body


# --- Schemathesis runs (tests/carts/api/openapi_runs.py) -------------------------------


@pytest.fixture
def keep_the_test_connection() -> Iterator[None]:
    """Calling the WSGI application fires request_started/finished, whose handler closes a
    connection that is inside a transaction (the test's); Django's own test client unhooks it
    the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def demo_catalog(db: None) -> None:
    """The demo catalog, which the document's examples name."""
    for sku, name, description, price in demo.PRODUCTS:
        Product.objects.create(
            sku=sku, name=name, description=description, price=Decimal(price), currency="EUR"
        )
    for code, description, kind, value, currency in demo.CODES:
        DiscountCode.objects.create(
            code=code, description=description, kind=kind, value=Decimal(value), currency=currency
        )


@pytest.fixture
def generated_requests_unhindered(monkeypatch: Any, settings: Any) -> None:
    """No throttling, waiting or DNS: each is proven elsewhere, and here would only turn
    generated requests into 429s, slow runs or look-ups leaving the machine."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "100000/minute"})
    # Generated min_positions are mostly never reached, and ?wait= is accepted up to the
    # documented maximum: waiting for either would only add time.
    settings.API_MIN_POSITION_WAIT_SECONDS = 0
    settings.API_FEED_MAX_WAIT_SECONDS = 0
    monkeypatch.setattr("projections.webhooks.targets.socket.getaddrinfo", _no_dns)


def _no_dns(*args: Any, **kwargs: Any) -> Any:
    raise OSError("no name resolution in the tests")
