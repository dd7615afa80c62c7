"""Read models through the API with a read replica: rows and progress come from the replica, and
?min_position= is checked against what the replica holds, falling back to the primary.

The replica is the stand-in of tests/conftest.py (replica_db): it holds what the test copied
there last (tests.replica.replicate), so it lags exactly as far as each test wants.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from carts.models import Product
from projections import runner
from projections.registry import names
from tests.carts.api.conftest import token_client
from tests.conftest import REPLICA
from tests.replica import replicate

URL = "/api/read-models/cart-summaries/"


def project() -> None:
    """Catch the primary's projections up (the worker's job; in-process tasks did it already)."""
    for name in names():
        runner.catch_up(name, retry_now=True)


@pytest.fixture
def clients(replica_db, settings) -> tuple[APIClient, APIClient]:
    """(a shopper, an auditor), committed, with two products to buy; a short wait for positions."""
    settings.API_MIN_POSITION_WAIT_SECONDS = 0.2
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    Product.objects.create(sku="MUG-001", name="Stoneware mug", price=Decimal("12.00"))
    auditor = User.objects.create_user("audrey", is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_event"))
    return token_client(User.objects.create_user("olive")), token_client(auditor)


@pytest.fixture
def lagging(clients) -> dict[str, object]:
    """A cart with one item everywhere, then a second item projected on the primary only."""
    shopper, _ = clients
    cart_id = shopper.post("/api/carts/", {}, format="json").json()["id"]
    items = f"/api/carts/{cart_id}/items/"
    shopper.post(items, {"sku": "TEA-001", "quantity": 1}, format="json")
    project()
    replicate()
    added = shopper.post(items, {"sku": "MUG-001", "quantity": 1}, format="json")
    project()
    return {"cart": cart_id, "position": int(added["X-Event-Position"])}


def _lines_and_progress(client: APIClient, **params: int) -> tuple[int, dict]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    body = response.json()
    [row] = body["results"]
    return row["line_count"], body["projection"]


def test_without_min_position_the_lagging_replica_answers(clients, lagging):
    _, auditor = clients

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:
        lines, progress = _lines_and_progress(auditor)

    assert lines == 1
    assert progress["position"] == lagging["position"] - 1
    assert progress["includes_min_position"] is None
    assert not [q for q in primary.captured_queries if "projections_cartsummary" in q["sql"]]


def test_min_position_the_replica_lacks_is_answered_from_the_primary(clients, lagging):
    _, auditor = clients

    lines, progress = _lines_and_progress(auditor, min_position=lagging["position"])

    assert lines == 2
    assert progress["includes_min_position"] is True
    assert progress["position"] == lagging["position"]
    assert progress["lag_events"] == 0


def test_min_position_the_replica_holds_is_answered_from_the_replica(clients, lagging):
    _, auditor = clients
    replicate()

    with CaptureQueriesContext(connections[REPLICA]) as replica:
        lines, progress = _lines_and_progress(auditor, min_position=lagging["position"])

    assert (lines, progress["includes_min_position"]) == (2, True)
    assert [q for q in replica.captured_queries if "projections_cartsummary" in q["sql"]]


def test_min_position_nobody_holds_yet_says_so_from_the_replica(clients, lagging):
    _, auditor = clients
    beyond_the_head = lagging["position"] + 1000

    lines, progress = _lines_and_progress(auditor, min_position=beyond_the_head)

    assert lines == 1
    assert progress["includes_min_position"] is False
    assert progress["position"] == lagging["position"] - 1
