"""Every shop page gives a guest its identity, so racing first clicks from it share one cart."""

from __future__ import annotations

import pytest
from django.test import Client

from carts.web.request_context import GUEST_ID_KEY

pytestmark = pytest.mark.django_db

SHOP_PAGES = ["/", "/products/TEA-001/", "/cart/", "/carts/", "/checkout/"]


@pytest.mark.parametrize("page", SHOP_PAGES)
def test_a_shop_page_gives_a_guest_its_identity(page, catalog):
    client = Client()
    client.get(page)
    assert client.session.get(GUEST_ID_KEY, "").startswith("guest:")


def test_clicks_after_any_shop_page_add_to_one_guest_cart(catalog, event_count):
    client = Client()
    client.get("/cart/")
    for _ in range(3):
        client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})

    cart = client.get("/cart/").context["cart"]
    assert cart.lines["TEA-001"].quantity == 3
    assert event_count() == 4  # one CartCreated, three ItemAdded


def test_the_api_and_the_admin_give_no_guest_identity(catalog):
    client = Client()
    client.get("/api/events/")
    client.get("/admin/login/")
    assert GUEST_ID_KEY not in client.session
