"""The shop's forms with prices and quantities at the limits: a message, never a server error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.application import repository
from carts.domain.money import MAX_AMOUNT
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS_FIELDS
from tests.extreme_amounts import (
    ALSO_TOP,
    CENT,
    PRICES,
    QUANTITIES,
    TOP,
    extreme_products,
    legacy_cart,
    priced,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):  # type: ignore[no-untyped-def]
    return extreme_products()


def test_adding_beyond_the_maximum_says_so_and_writes_nothing(client, products, event_count):
    client.post("/cart/add/", {"sku": TOP, "quantity": "1"})
    before = event_count()
    for sku, quantity in ((TOP, "98"), (ALSO_TOP, "2")):
        refused = client.post("/cart/add/", {"sku": sku, "quantity": quantity}, follow=True)
        assert refused.status_code == 200
        assert any("99,999,999.99" in m for m in messages_of(refused))
    assert event_count() == before
    cart = repository.load(client.session[CART_KEY])
    raised = client.post(f"/cart/{cart.id}/lines/{TOP}/quantity/", {"quantity": "2"}, follow=True)
    assert any("99,999,999.99" in m for m in messages_of(raised))
    assert event_count() == before
    review = client.get("/checkout/")
    assert review.status_code == 200
    placed = client.post(
        f"/checkout/{cart.id}/", {"version": cart.version, **DETAILS_FIELDS}, follow=True
    )
    assert placed.status_code == 200
    assert repository.load(cart.id).status == "checked_out"


def more_button(html: str, sku: str) -> str:
    return html.split(f'id="more-{sku}"')[1].split(">")[0]


def test_plus_is_disabled_exactly_when_one_more_unit_would_pass_the_maximum(
    client, products, event_count
):
    priced(CENT, MAX_AMOUNT - Decimal("0.02"))
    client.post("/cart/add/", {"sku": CENT, "quantity": "1"})
    html = client.get("/cart/").content.decode()
    assert "disabled" in more_button(html, CENT)  # 2 x (MAX - 0.02) is past the maximum

    priced(CENT, Decimal("0.01"))  # one more unit is now priced at a cent: it fits
    html = client.get("/cart/").content.decode()
    assert "disabled" not in more_button(html, CENT)

    priced(CENT, Decimal("0.03"))
    html = client.get("/cart/").content.decode()
    assert "One more would take your cart past the most it may hold" in more_button(html, CENT)
    before = event_count()
    cart_id = client.session[CART_KEY]
    refused = client.post(f"/cart/{cart_id}/lines/{CENT}/quantity/", {"quantity": "2"}, follow=True)
    assert any("99,999,999.99" in m for m in messages_of(refused))
    assert event_count() == before


def test_plus_stays_enabled_for_an_ordinary_cart(client, products):
    client.post("/cart/add/", {"sku": CENT, "quantity": "3"})
    assert "disabled" not in more_button(client.get("/cart/").content.decode(), CENT)


def test_a_cart_stored_beyond_the_range_shows_and_refuses_checkout_until_lowered(
    alice, alice_client, products, event_count
):
    cart_id = legacy_cart(f"user:{alice.pk}", (TOP, 99), (ALSO_TOP, 2))
    page = alice_client.get("/cart/")
    assert page.status_code == 200
    assert page.context["cart"].subtotal == MAX_AMOUNT * 101
    before = event_count()
    refused = alice_client.post(
        f"/checkout/{cart_id}/", {"version": "3", **DETAILS_FIELDS}, follow=True
    )
    assert any("99,999,999.99" in m for m in messages_of(refused))
    assert event_count() == before
    alice_client.post(f"/cart/{cart_id}/lines/{ALSO_TOP}/remove/")
    alice_client.post(f"/cart/{cart_id}/lines/{TOP}/quantity/", {"quantity": "1"})
    alice_client.post(f"/checkout/{cart_id}/", {"version": "5", **DETAILS_FIELDS})
    assert repository.load(cart_id).status == "checked_out"


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(st.sampled_from([TOP, ALSO_TOP]), PRICES, QUANTITIES), max_size=3))
def test_no_shop_page_fails_whatever_the_prices_and_quantities(client, products, steps):
    client.cookies.clear()
    for sku, price, quantity in steps:
        priced(sku, price)
        answer = client.post("/cart/add/", {"sku": sku, "quantity": str(quantity)})
        assert answer.status_code == 303
    for page in ("/", "/cart/", "/checkout/", "/carts/"):
        assert client.get(page).status_code in (200, 302)
    cart_id = client.session.get(CART_KEY)
    if cart_id:
        cart = repository.load(cart_id)
        assert Decimal(0) <= cart.total <= MAX_AMOUNT
        placed = client.post(f"/checkout/{cart_id}/", {"version": cart.version, **DETAILS_FIELDS})
        assert placed.status_code in (302, 303)
