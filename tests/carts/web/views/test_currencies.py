"""The shop always gives the shopper a cart they can fill, whatever currency their carts hold."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from carts.application import repository
from carts.domain.cart import Cart
from carts.web.shopper import CART_KEY
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM
from tests.carts.web.views.conftest import messages_of

pytestmark = pytest.mark.django_db


def stored_cart_in(currency: str, owner_id: str) -> UUID:
    """A cart opened in ``currency`` before currencies were checked (as stored logs hold)."""
    cart = Cart.create(
        uuid.uuid4(), owner_id=owner_id, currency=currency, sold_currencies={currency}
    )
    repository.save(
        cart,
        expected_version=NO_STREAM,
        metadata=Metadata(actor=owner_id, source="api", correlation_id="before-the-fix"),
    )
    return cart.id


def test_a_cart_in_a_currency_nothing_is_priced_in_is_not_the_shoppers_current_cart(
    alice, alice_client, catalog, projected
):
    stuck = stored_cart_in("XYZ", f"user:{alice.pk}")
    assert alice_client.get("/cart/").context["cart"] is None
    added = alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, follow=True)
    assert "Added 1 × Green tea to your cart." in messages_of(added)
    current = alice_client.get("/cart/").context["cart"]
    assert current.id != stuck and current.currency == "EUR"
    assert repository.load(stuck).version == 1  # the old cart is untouched, still listed
    projected()
    assert str(stuck)[:8] in alice_client.get("/carts/").content.decode()


def test_a_session_holding_such_a_cart_gets_a_usable_one_on_the_next_add(
    alice, alice_client, catalog
):
    stuck = stored_cart_in("XYZ", f"user:{alice.pk}")
    session = alice_client.session
    session[CART_KEY] = str(stuck)
    session.save()
    added = alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"}, follow=True)
    assert "Added 2 × Green tea to your cart." in messages_of(added)
    assert alice_client.session[CART_KEY] != str(stuck)


def test_a_cart_whose_currency_is_no_longer_sold_is_passed_over(
    alice, alice_client, make_cart, catalog
):
    dollars = make_cart(alice, {"USD-001": 1})
    assert alice_client.get("/cart/").context["cart"].id == dollars
    catalog["USD-001"].active = False
    catalog["USD-001"].save()
    assert alice_client.get("/cart/").context["cart"] is None


def test_a_product_in_another_currency_offers_a_new_cart_instead_of_a_dead_end(
    alice, alice_client, make_cart, catalog, event_count
):
    euros = make_cart(alice, {"TEA-001": 1})
    before = event_count()
    refused = alice_client.post("/cart/add/", {"sku": "USD-001", "quantity": "2"})
    assert refused.status_code == 303
    assert refused["Location"] == "/cart/new/?sku=USD-001&quantity=2"
    assert event_count() == before
    offer = alice_client.get(refused["Location"])
    assert offer.status_code == 200
    page = offer.content.decode()
    assert "priced in USD" in page and "is in EUR" in page
    started = alice_client.post("/cart/new/", {"sku": "USD-001", "quantity": "2"}, follow=True)
    assert started.context["cart"].currency == "USD"
    assert started.context["cart"].lines["USD-001"].quantity == 2
    assert any("Started a new cart in USD" in m for m in messages_of(started))
    assert repository.load(euros).is_open


def test_an_htmx_add_in_another_currency_goes_to_the_offer_as_a_whole_page(
    alice, alice_client, make_cart, catalog
):
    make_cart(alice, {"TEA-001": 1})
    answer = alice_client.post(
        "/cart/add/", {"sku": "USD-001", "quantity": "1"}, headers={"HX-Request": "true"}
    )
    assert answer["HX-Redirect"] == "/cart/new/?sku=USD-001&quantity=1"


def test_the_shopper_can_go_back_to_the_cart_they_left(alice, alice_client, make_cart, catalog):
    euros = make_cart(alice, {"TEA-001": 1})
    alice_client.post("/cart/new/", {"sku": "USD-001", "quantity": "1"})
    back = alice_client.post(f"/carts/{euros}/continue/", follow=True)
    assert back.context["cart"].id == euros
    assert "You are now filling this cart." in messages_of(back)


def test_a_closed_or_unsold_cart_cannot_be_continued(alice, alice_client, catalog, event_count):
    stuck = stored_cart_in("XYZ", f"user:{alice.pk}")
    answer = alice_client.post(f"/carts/{stuck}/continue/", follow=True)
    assert any("cannot be continued" in m for m in messages_of(answer))
    assert alice_client.get("/cart/").context["cart"] is None


def test_someone_elses_cart_cannot_be_continued(bob, alice_client, make_cart, catalog, event_count):
    theirs = make_cart(bob, {"TEA-001": 1})
    before = event_count()
    assert alice_client.post(f"/carts/{theirs}/continue/").status_code == 404
    assert alice_client.session.get(CART_KEY) != str(theirs)
    assert event_count() == before


def test_the_offer_refuses_a_malformed_request_without_writing(alice_client, catalog, event_count):
    answer = alice_client.get("/cart/new/", {"sku": "USD-001", "quantity": "many"})
    assert answer.status_code == 303
    assert alice_client.get("/cart/new/", {"sku": "NOPE", "quantity": "1"}).status_code == 404
    assert event_count() == 0


def test_copies_of_one_new_cart_choice_open_one_cart_with_the_quantity_chosen(
    alice, alice_client, make_cart, catalog, event_count
):
    make_cart(alice, {"TEA-001": 1})
    offer = alice_client.get("/cart/new/", {"sku": "USD-001", "quantity": "1"})
    number = offer.context["number"]
    choice = {"sku": "USD-001", "quantity": "1", "number": str(number)}
    before = event_count()

    for _ in range(3):  # a double click, and a third for luck
        alice_client.post("/cart/new/", choice)

    current = alice_client.get("/cart/").context["cart"]
    assert current.currency == "USD"
    assert current.lines["USD-001"].quantity == 1
    assert event_count() == before + 2  # one CartCreated, one ItemAdded
    later = alice_client.get("/cart/new/", {"sku": "USD-001", "quantity": "1"})
    assert later.context["number"] == number + 1


def test_a_new_cart_choice_from_an_old_page_opens_a_new_cart(
    alice, alice_client, make_cart, catalog, event_count
):
    make_cart(alice, {"TEA-001": 1})
    old = {"sku": "USD-001", "quantity": "1", "number": "0"}  # cart 0 holds no USD-001
    before = event_count()

    alice_client.post("/cart/new/", old)

    current = alice_client.get("/cart/").context["cart"]
    assert current.lines["USD-001"].quantity == 1
    assert event_count() == before + 2


@pytest.mark.parametrize("quantity", ["1000", "100", "0", "-1"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_offer_refuses_a_quantity_adding_would_refuse_naming_the_bounds(
    alice_client, catalog, event_count, quantity, method
):
    before = event_count()
    send = getattr(alice_client, method)
    answer = send("/cart/new/", {"sku": "USD-001", "quantity": quantity}, follow=True)
    html = answer.content.decode()
    assert answer.redirect_chain[-1] == ("/", 303)
    assert f"{quantity} ×" not in html and "start-new-cart" not in html
    assert any("from 1 to 99" in m for m in messages_of(answer))
    assert event_count() == before


@pytest.mark.parametrize("quantity", ["1", "99"])
def test_the_offer_shows_a_quantity_within_the_bounds(alice_client, catalog, quantity):
    html = alice_client.get("/cart/new/", {"sku": "USD-001", "quantity": quantity}).content
    assert f"with {quantity} × Imported spoon".encode() in html
