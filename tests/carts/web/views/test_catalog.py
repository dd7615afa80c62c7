"""The catalog page, search, product pages and adding to the cart."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.web.request_context import GUEST_ID_KEY
from carts.web.shopper import CART_KEY
from eventstore.models import Event
from tests.carts.web.views.conftest import messages_of

pytestmark = pytest.mark.django_db


def test_catalog_lists_products_on_sale_only(client, catalog):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Green tea" in response.content
    assert b"Stoneware mug" in response.content
    assert b"Retired kettle" not in response.content


def test_search_narrows_the_catalog(client, catalog):
    response = client.get("/", {"q": "mug"})
    assert b"Stoneware mug" in response.content
    assert b"Green tea" not in response.content
    assert b"1 result for" in response.content


def test_product_page_shows_price_and_add_form(client, catalog):
    response = client.get("/products/TEA-001/")
    assert response.status_code == 200
    assert "€4.50" in response.content.decode()
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_retired_product_page_has_no_add_button(client, catalog):
    response = client.get("/products/OLD-001/")
    assert response.status_code == 200
    assert b"no longer sold" in response.content
    assert b"Add to cart" not in response.content


def test_unknown_product_page_is_404(client, catalog):
    assert client.get("/products/NOPE-1/").status_code == 404


def test_adding_opens_a_guest_cart_kept_with_the_session(client, catalog, event_count):
    response = client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2", "next": "/"})
    assert response.status_code == 303
    assert response["Location"] == "/#add-TEA-001"
    cart = repository.load(repository.cart_id_of(f"cart-{client.session[CART_KEY]}"))
    assert cart.owner_id == client.session[GUEST_ID_KEY]
    assert cart.owner_id.startswith("guest:")
    assert cart.lines["TEA-001"].quantity == 2
    assert event_count() == 2  # CartCreated, ItemAdded
    page = client.get("/")
    assert "✓</span> 2 in your cart" in page.content.decode()
    assert 'aria-label="Cart, 2 items"' in page.content.decode()


def test_added_items_are_recorded_as_from_the_shop_by_the_signed_in_shopper(
    alice_client, alice, catalog
):
    alice_client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"})
    added = Event.objects.get(event_type="cart.ItemAdded")
    assert added.metadata["source"] == "ui"
    assert added.metadata["actor"] == f"user:{alice.pk}"
    assert added.metadata["command"] == "cart_add_item"


def test_htmx_add_gets_the_page_with_the_updated_badge_and_line(client, catalog):
    response = client.post(
        "/cart/add/",
        {"sku": "TEA-001", "quantity": "3", "next": "/"},
        headers={"HX-Request": "true"},
        follow=True,
    )
    html = response.content.decode()
    assert "Added 3 × Green tea to your cart." in html
    assert 'id="cart-badge"' in html
    assert 'aria-label="Cart, 3 items"' in html
    assert "3 in your cart" in html


def test_adding_an_inactive_product_is_refused_and_writes_nothing(client, catalog, event_count):
    response = client.post("/cart/add/", {"sku": "OLD-001", "quantity": "1"}, follow=True)
    assert messages_of(response) == ["Product OLD-001 is not on sale any more."]
    assert event_count() == 0
    assert CART_KEY not in client.session


def test_adding_100_units_is_refused_with_the_rule_and_writes_nothing(client, catalog, event_count):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, follow=True)
    before = event_count()
    response = client.post("/cart/add/", {"sku": "MUG-001", "quantity": "100"}, follow=True)
    [message] = messages_of(response)
    assert "quantity per line must be a whole number from 1 to 99, got 100" in message.lower()
    assert event_count() == before


def test_a_quantity_that_is_not_a_number_is_refused_and_writes_nothing(
    client, catalog, event_count
):
    response = client.post("/cart/add/", {"sku": "TEA-001", "quantity": "lots"}, follow=True)
    assert messages_of(response) == [
        "Choose how many to add: a whole number of units, such as 2 (from 1 to 99)."
    ]
    assert event_count() == 0


def test_next_pointing_elsewhere_is_ignored(client, catalog):
    response = client.post(
        "/cart/add/", {"sku": "TEA-001", "quantity": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/#add-TEA-001"


def test_add_needs_post_and_csrf(catalog):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get("/cart/add/").status_code == 405
    assert strict.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}).status_code == 403


def test_the_first_click_on_an_empty_cart_writes_both_events_under_one_correlation_id(
    client, catalog
):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    created, added = Event.objects.order_by("position")
    assert (created.event_type, added.event_type) == ("cart.CartCreated", "cart.ItemAdded")
    assert created.correlation_id and created.correlation_id == added.correlation_id
