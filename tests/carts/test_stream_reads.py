"""How often one request reads a cart's stream: once per request where one read serves.

A "stream read" is a query that selects one stream's events (``FROM eventstore_event WHERE
stream_id = ...``); the look-up of a snapshot that goes with one is part of the same read. The
figures are exact counts of queries, not timings.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

_STREAM_READ = re.compile(r"FROM\s+\"?eventstore_event\"?\s+WHERE\s+\"?stream_id\"?\s*=", re.I)


def stream_reads(send: Any) -> tuple[Any, int]:
    """Run ``send()`` and count the queries that read one stream's events."""
    with CaptureQueriesContext(connection) as captured:
        response = send()
    reads = [q["sql"] for q in captured.captured_queries if _reads_events(q["sql"])]
    return response, len(reads)


def _reads_events(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH")) and bool(_STREAM_READ.search(sql))


@pytest.fixture
def shopper_client(catalog) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("reader"))
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})  # the cart exists already
    return client


def test_an_add_to_cart_click_reads_the_cart_once(shopper_client):
    response, reads = stream_reads(
        lambda: shopper_client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"})
    )
    assert response.status_code == 303
    assert reads == 1


def test_the_catalog_page_reads_the_cart_once_for_its_marks_and_the_badge(shopper_client):
    response, reads = stream_reads(lambda: shopper_client.get("/"))
    assert response.status_code == 200
    assert "1 in your cart" in response.content.decode()
    assert reads == 1


def test_an_api_command_reads_the_cart_once(catalog):
    owner = User.objects.create_user("api-reader")
    api = APIClient()
    api.force_authenticate(owner)
    cart_id = api.post("/api/carts/", {}, format="json").json()["id"]
    response, reads = stream_reads(
        lambda: api.post(
            f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
        )
    )
    assert response.status_code == 200
    assert reads == 1


def test_a_cart_history_page_reads_the_stream_once_and_once_more_to_verify_it(shopper_client):
    cart_id = shopper_client.session["cart_id"]
    response, reads = stream_reads(lambda: shopper_client.get(f"/carts/{cart_id}/history/"))
    assert response.status_code == 200
    # The timeline (every step, the access check and the moment on show come from it), the
    # integrity check (which reads the rows as stored rather than trusting what the replay
    # decoded), and the header's cart badge (request.cart, the shopper's open cart).
    assert reads == 3
