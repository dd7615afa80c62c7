"""A cart whose currency the shop no longer sells: explained where the shopper looks for it."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.models import Product
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of

pytestmark = pytest.mark.django_db

NOTICE = (
    "Your cart in USD can no longer be bought: the shop no longer sells in USD. It is kept under"
)


@pytest.fixture
def usd_guest_cart(client, catalog):
    """A guest's cart holding a USD product, after staff retired every USD product."""
    client.post("/cart/add/", {"sku": "USD-001", "quantity": "2"})
    cart_id = repository.cart_id_of(f"cart-{client.session[CART_KEY]}")
    Product.objects.filter(currency="USD").update(active=False)
    return cart_id


def test_the_cart_page_says_the_cart_cannot_be_bought_where_it_is_and_what_happens_next(
    client, usd_guest_cart
):
    html = client.get("/cart/").content.decode()
    assert NOTICE in html
    assert f'href="/carts/{usd_guest_cart}/history/">its history</a>' in html
    assert 'href="/carts/">My carts</a>' in html
    assert "The next item you add starts a new cart." in html
    # Asked again (the session no longer names the cart), the notice stays.
    assert NOTICE in client.get("/cart/").content.decode()


def test_checkout_of_such_a_cart_lands_on_the_explanation(client, usd_guest_cart):
    response = client.get("/checkout/", follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert NOTICE in response.content.decode()
    assert "Place order" not in response.content.decode()


def test_the_notice_goes_once_the_next_item_starts_a_new_cart(client, usd_guest_cart):
    added = client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, follow=True)
    assert "Added 1 × Green tea to your cart." in messages_of(added)
    html = client.get("/cart/").content.decode()
    assert "can no longer be bought" not in html
    assert repository.load(usd_guest_cart).is_open  # kept, untouched


def test_a_cart_that_cannot_be_continued_is_not_offered_to_continue(
    client, usd_guest_cart, catalog, projected, event_count
):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    projected()
    html = client.get("/carts/").content.decode()
    row = html.split(f'id="cart-{usd_guest_cart}"')[1].split("</tr>")[0]
    assert "Continue with this cart" not in row
    assert "no longer sold in USD" in row
    before = event_count()
    refused = client.post(f"/carts/{usd_guest_cart}/continue/", follow=True)
    assert any("cannot be continued" in m for m in messages_of(refused))
    assert event_count() == before


def test_an_open_cart_in_a_currency_still_sold_is_offered_to_continue(client, catalog, projected):
    client.post("/cart/add/", {"sku": "USD-001", "quantity": "1"})
    usd = repository.cart_id_of(f"cart-{client.session[CART_KEY]}")
    client.post("/cart/new/", {"sku": "TEA-001", "quantity": "1"})
    projected()
    html = client.get("/carts/").content.decode()
    row = html.split(f'id="cart-{usd}"')[1].split("</tr>")[0]
    assert "Continue with this cart" in row
