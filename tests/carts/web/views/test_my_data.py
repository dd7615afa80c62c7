"""A shopper downloads their own data from My carts."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


def test_my_carts_links_to_a_download_of_everything_about_the_shopper(client: Client, catalog):
    user = User.objects.create_user("ida", email="ida@example.com", password="x-Y-z-123456")
    client.force_login(user)
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})

    page = client.get("/carts/").content.decode()
    download = client.get("/accounts/data/")

    assert 'href="/accounts/data/"' in page
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="ledger-shop-data-')
    data = json.loads(download.content)
    assert data["account"]["email"] == "ida@example.com"
    assert [e["event_type"] for e in data["carts"][0]["events"]][:2] == [
        "cart.CartCreated",
        "cart.ItemAdded",
    ]


def test_a_guest_downloads_the_carts_of_their_session(client: Client, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})

    data = json.loads(client.get("/accounts/data/").content)

    assert data["account"] is None
    assert len(data["carts"]) == 1


def test_a_new_visitor_downloads_that_the_shop_holds_nothing_about_them(client: Client):
    data = json.loads(client.get("/accounts/data/").content)

    assert (data["account"], data["carts"]) == (None, [])
