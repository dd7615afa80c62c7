"""Checkout: review, confirm, and the confirmation of what was charged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.application import repository
from carts.application.commands import AddItem, CreateCart, GiveGoodwill, RemoveItem
from carts.application.handler import Context, handle
from carts.web.request_context import GUEST_ID_KEY
from carts.web.shopper import CART_KEY
from eventstore.metadata import Metadata
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_cart(client, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"}, follow=True)
    return repository.cart_id_of(f"cart-{client.session[CART_KEY]}")


def test_review_shows_what_will_be_charged(client, guest_cart):
    html = client.get("/checkout/").content.decode()
    assert "Place order · €21.00" in html
    assert 'name="version" value="3"' in html


def test_review_without_a_cart_goes_to_the_cart_page(client):
    assert client.get("/checkout/")["Location"] == "/cart/"


def test_confirming_checks_out_and_shows_the_charge_from_the_event(client, guest_cart):
    response = client.post(
        f"/checkout/{guest_cart}/", {"version": "3", **DETAILS_FIELDS}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/checkout/{guest_cart}/done/"
    html = response.content.decode()
    assert '<strong id="charged-total">€21.00</strong>' in html
    assert repository.load(guest_cart).status == "checked_out"
    assert client.get("/cart/").content.decode().count("Your cart is empty") == 1


def test_confirming_a_cart_that_changed_since_review_is_refused(client, guest_cart, event_count):
    handle(
        AddItem(cart_id=guest_cart, sku="TEA-001", quantity=1),
        Context.system(Metadata(actor="t", source="ui")),
    )
    before = event_count()
    response = client.post(
        f"/checkout/{guest_cart}/", {"version": "3", **DETAILS_FIELDS}, follow=True
    )
    [message] = messages_of(response)
    assert message == (
        "Your cart changed in another window since you looked at it; check it and try again."
    )
    assert event_count() == before
    assert repository.load(guest_cart).is_open


def test_confirming_the_same_checkout_twice_shows_the_confirmation_and_writes_nothing(
    client, guest_cart, event_count
):
    client.post(f"/checkout/{guest_cart}/", {"version": "3", **DETAILS_FIELDS})
    before = event_count()

    response = client.post(
        f"/checkout/{guest_cart}/", {"version": "3", **DETAILS_FIELDS}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/checkout/{guest_cart}/done/"
    assert '<strong id="charged-total">€21.00</strong>' in response.content.decode()
    assert messages_of(response) == []
    assert event_count() == before


def test_confirming_an_empty_cart_is_refused_and_writes_nothing(client, catalog, event_count):
    session = client.session
    session[GUEST_ID_KEY] = "guest:checkout-test"
    session.save()
    context = Metadata(actor="guest:checkout-test", source="ui")
    cart_id = handle(CreateCart(owner_id="guest:checkout-test"), Context.system(context)).cart.id
    before = event_count()
    response = client.post(f"/checkout/{cart_id}/", {"version": "1", **DETAILS_FIELDS}, follow=True)
    assert messages_of(response) == ["An empty cart cannot be checked out; add an item first."]
    assert event_count() == before


def test_confirmation_of_an_open_cart_is_404(client, guest_cart):
    assert client.get(f"/checkout/{guest_cart}/done/").status_code == 404


def test_an_empty_cart_with_a_discount_offers_no_place_order_and_confirming_writes_nothing(
    client, guest_cart, event_count
):
    context = Context.system(Metadata(actor="user:staff", source="admin"))
    handle(GiveGoodwill(cart_id=guest_cart, kind="percent", value=Decimal("10")), context)
    for sku in ("TEA-001", "MUG-001"):
        handle(RemoveItem(cart_id=guest_cart, sku=sku), context)
    html = client.get("/checkout/").content.decode()
    assert 'id="place-order"' not in html and "Place order" not in html
    assert "Your cart is empty, so there is nothing to order yet." in html
    before = event_count()
    response = client.post(
        f"/checkout/{guest_cart}/", {"version": "6", **DETAILS_FIELDS}, follow=True
    )
    assert event_count() == before
    assert repository.load(guest_cart).is_open
    assert any("empty" in message for message in messages_of(response))
