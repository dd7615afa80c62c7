"""The cart page: quantities, removal, discount codes, and refusals that write nothing."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.application.commands import CheckOut
from carts.application.handler import Context, handle
from carts.web.shopper import CART_KEY
from eventstore.metadata import Metadata
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS, DETAILS_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_cart(alice, alice_client, make_cart):
    """Alice's open cart with 2 green teas and 1 mug, current in her session."""
    cart_id = make_cart(alice, {"TEA-001": 2, "MUG-001": 1})
    session = alice_client.session
    session[CART_KEY] = str(cart_id)
    session.save()
    return cart_id


def test_empty_cart_page_invites_to_browse(client):
    response = client.get("/cart/")
    assert response.status_code == 200
    assert b"Your cart is empty" in response.content


def test_cart_page_shows_lines_and_totals(alice_client, alice_cart):
    html = alice_client.get("/cart/").content.decode()
    assert "Green tea" in html and "Stoneware mug" in html
    assert '<dd id="subtotal">€21.00</dd>' in html
    assert '<dd id="total">€21.00</dd>' in html


def test_signed_in_shopper_finds_their_open_cart_without_a_session_entry(
    alice_client, alice, make_cart
):
    make_cart(alice, {"MUG-001": 2})
    html = alice_client.get("/cart/").content.decode()
    assert "Stoneware mug" in html
    assert 'aria-label="Cart, 2 items"' in html


def test_changing_quantity_records_it(alice_client, alice_cart):
    response = alice_client.post(
        f"/cart/{alice_cart}/lines/TEA-001/quantity/", {"quantity": "5"}, follow=True
    )
    assert messages_of(response) == ["Quantity of TEA-001 set to 5."]
    assert repository.load(alice_cart).lines["TEA-001"].quantity == 5


def test_quantity_100_is_refused_with_the_rule_and_writes_nothing(
    alice_client, alice_cart, event_count
):
    before = event_count()
    response = alice_client.post(
        f"/cart/{alice_cart}/lines/TEA-001/quantity/", {"quantity": "100"}, follow=True
    )
    [message] = messages_of(response)
    assert message.startswith("Quantity per line must be a whole number from 1 to 99, got 100")
    assert "message-error" in response.content.decode()
    assert event_count() == before


def test_removing_a_line(alice_client, alice_cart):
    alice_client.post(f"/cart/{alice_cart}/lines/MUG-001/remove/")
    assert "MUG-001" not in repository.load(alice_cart).lines


def test_applying_and_removing_a_discount_code(alice_client, alice_cart):
    response = alice_client.post(
        f"/cart/{alice_cart}/discount/", {"code": "welcome10"}, follow=True
    )
    assert messages_of(response) == ["Discount code WELCOME10 applied."]
    html = response.content.decode()
    assert '<dd id="discount">−€2.10</dd>' in html
    assert '<dd id="total">€18.90</dd>' in html
    alice_client.post(f"/cart/{alice_cart}/discount/remove/")
    assert repository.load(alice_cart).discount is None


def test_an_unknown_discount_code_is_refused_and_writes_nothing(
    alice_client, alice_cart, event_count
):
    before = event_count()
    response = alice_client.post(f"/cart/{alice_cart}/discount/", {"code": "FREETEA"}, follow=True)
    assert messages_of(response) == ["Discount code 'FREETEA' is not valid."]
    assert event_count() == before


def test_changing_a_closed_cart_is_refused_and_writes_nothing(
    alice_client, alice_cart, event_count
):
    handle(
        CheckOut(cart_id=alice_cart, details=DETAILS),
        Context.system(Metadata(actor="user:x", source="ui")),
    )
    before = event_count()
    response = alice_client.post(
        f"/cart/{alice_cart}/lines/TEA-001/quantity/", {"quantity": "3"}, follow=True
    )
    [message] = messages_of(response)
    assert message == (
        "This cart is closed (bought, abandoned or merged) and can no longer change; your next"
        " item starts a new cart."
    )
    assert event_count() == before


def test_another_shoppers_cart_cannot_be_changed(client, bob, make_cart, event_count):
    bobs_cart = make_cart(bob, {"TEA-001": 1})
    client.force_login(bob.__class__.objects.create_user("eve", password="x-very-long-1"))
    before = event_count()
    for url, data in [
        (f"/cart/{bobs_cart}/lines/TEA-001/quantity/", {"quantity": "3"}),
        (f"/cart/{bobs_cart}/lines/TEA-001/remove/", {}),
        (f"/cart/{bobs_cart}/discount/", {"code": "WELCOME10"}),
        (f"/checkout/{bobs_cart}/", {"version": "2", **DETAILS_FIELDS}),
    ]:
        assert client.post(url, data).status_code == 404
    assert event_count() == before


def test_cart_page_is_never_someone_elses(client, bob, make_cart):
    bobs_cart = make_cart(bob, {"TEA-001": 1})
    session = client.session
    session[CART_KEY] = str(bobs_cart)  # e.g. a session kept after Bob logged out elsewhere
    session.save()
    html = client.get("/cart/").content.decode()
    assert "Your cart is empty" in html
    assert "Green tea" not in html


def test_every_form_that_posts_carries_a_csrf_token(alice_client, alice_cart):
    alice_client.post(f"/cart/{alice_cart}/discount/", {"code": "WELCOME10"})
    for path in ("/", "/products/TEA-001/", "/cart/", "/checkout/"):
        html = alice_client.get(path).content.decode()
        posting = html.count('method="post"')
        assert posting > 0
        assert html.count('name="csrfmiddlewaretoken"') == posting, path
