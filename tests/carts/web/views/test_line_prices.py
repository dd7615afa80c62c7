"""The shop tells the shopper when a line's price or availability differs from the catalog's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.application import repository
from carts.models import Product
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def repriced_cart(client, catalog):  # type: ignore[no-untyped-def]
    """2 x TEA-001 at 4.50; staff set it to 6.00; the shopper adds 1 more from the catalog."""
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    return repository.cart_id_of(f"cart-{client.session[CART_KEY]}")


def test_adding_at_a_new_price_from_the_catalog_says_the_earlier_units_keep_theirs(client, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))

    response = client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, follow=True)

    assert messages_of(response)[-1] == (
        "Added 1 × Green tea to your cart at the new price 6.00; the ones already there keep"
        " theirs (your cart offers to update them)."
    )


@pytest.mark.parametrize("page", ["/cart/", "/checkout/"])
def test_each_price_a_line_holds_and_the_offer_to_update_it_are_shown(client, repriced_cart, page):
    html = client.get(page).content.decode()

    assert "2 × €4.50" in html
    assert "1 × €6.00" in html
    assert "€15.00" in html
    assert "Now €6.00 in the shop" in html
    assert 'id="reprice-TEA-001"' in html


def test_accepting_the_new_price_from_the_review_returns_to_the_review(client, repriced_cart):
    response = client.post(
        f"/cart/{repriced_cart}/lines/TEA-001/price/",
        {"unit_price": "6.00", "next": "/checkout/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/checkout/"
    html = response.content.decode()
    assert "Place order · €18.00" in html
    assert 'id="reprice-TEA-001"' not in html
    assert repository.load(repriced_cart).total == Decimal("18.00")


def test_accepting_a_price_that_moved_on_again_explains_and_writes_nothing(
    client, repriced_cart, event_count
):
    Product.objects.filter(sku="TEA-001").update(price=Decimal("7.00"))
    before = event_count()

    response = client.post(
        f"/cart/{repriced_cart}/lines/TEA-001/price/", {"unit_price": "6.00"}, follow=True
    )

    assert event_count() == before
    assert any("now costs 7.00, not 6.00" in m for m in messages_of(response))
    assert "Now €7.00 in the shop" in response.content.decode()


@pytest.fixture
def retired_cart(client, catalog):  # type: ignore[no-untyped-def]
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    client.post("/cart/add/", {"sku": "MUG-001", "quantity": "2"})
    Product.objects.filter(sku="MUG-001").update(active=False)
    return repository.cart_id_of(f"cart-{client.session[CART_KEY]}")


def test_a_retired_line_is_marked_and_cannot_be_raised_in_the_cart(
    client, retired_cart, event_count
):
    html = client.get("/cart/").content.decode()
    before = event_count()

    raised = client.post(f"/cart/{retired_cart}/lines/MUG-001/quantity/", {"quantity": "3"})

    assert 'id="unavailable-MUG-001"' in html
    assert 'id="unavailable-TEA-001"' not in html
    assert 'aria-label="One more Stoneware mug" disabled' in html
    assert raised.status_code == 303
    assert event_count() == before


def test_the_review_names_retired_lines_instead_of_offering_to_place_the_order(
    client, retired_cart, event_count
):
    html = client.get("/checkout/").content.decode()
    before = event_count()

    confirm = client.post(
        f"/checkout/{retired_cart}/", {"version": "3", **DETAILS_FIELDS}, follow=True
    )

    assert 'id="place-order"' not in html
    assert "No longer sold: Stoneware mug." in html
    assert event_count() == before
    assert any("Stoneware mug (MUG-001)" in m for m in messages_of(confirm))
