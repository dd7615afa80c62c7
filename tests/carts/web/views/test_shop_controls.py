"""Where the shop shows a refusal, and the bounds its quantity controls carry."""

from __future__ import annotations

import re

import pytest

from carts.application import repository
from carts.domain.rules import MAX_QUANTITY, MIN_QUANTITY
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of

pytestmark = pytest.mark.django_db


def form_holding(html: str, element_id: str) -> str:
    """The whole <form> element that contains the element with ``element_id``."""
    for form in re.findall(r"<form\b.*?</form>", html, flags=re.S):
        if f'id="{element_id}"' in form:
            return str(form)
    raise AssertionError(f"no form holds #{element_id}")


def card_error(html: str, sku: str) -> str:
    found = re.search(rf'id="card-error-{sku}">(.*?)</p>', form_holding(html, f"add-button-{sku}"))
    return found[1] if found else ""


@pytest.fixture
def cart_of_one_and_many(alice, alice_client, make_cart):
    """Alice's current cart: 1 mug (the least a line holds) and 99 green teas (the most)."""
    cart_id = make_cart(alice, {"MUG-001": MIN_QUANTITY, "TEA-001": MAX_QUANTITY})
    session = alice_client.session
    session[CART_KEY] = str(cart_id)
    session.save()
    return cart_id


@pytest.mark.parametrize(
    ("posted", "says"),
    [
        ({"sku": "MUG-001", "quantity": "100"}, "from 1 to 99, got 100"),
        ({"sku": "MUG-001", "quantity": "0"}, "from 1 to 99, got 0"),
        ({"sku": "MUG-001", "quantity": "lots"}, "a whole number of units, such as 2"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["without script", "with htmx"])
def test_a_refused_add_is_shown_at_the_products_card(
    client, catalog, event_count, posted, says, htmx
):
    before = event_count()
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post("/cart/add/", {**posted, "next": "/?q="}, headers=headers, follow=True)
    html = response.content.decode()
    assert says in card_error(html, "MUG-001")
    assert card_error(html, "TEA-001") == ""
    # A browser without script comes back to the card, not to the top of the page.
    assert response.redirect_chain[-1][0] == "/?q=#add-MUG-001"
    assert event_count() == before


def test_a_refusal_on_the_product_page_is_shown_at_its_form(client, catalog):
    response = client.post(
        "/cart/add/",
        {"sku": "TEA-001", "quantity": "100", "next": "/products/TEA-001/"},
        follow=True,
    )
    assert "got 100" in card_error(response.content.decode(), "TEA-001")


def test_a_successful_add_shows_no_card_error(client, catalog):
    response = client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"}, follow=True)
    assert card_error(response.content.decode(), "MUG-001") == ""
    assert "1 in your cart" in response.content.decode()


@pytest.mark.parametrize("page", ["/", "/products/TEA-001/", "/cart/"])
def test_every_quantity_input_carries_the_carts_bounds(alice_client, cart_of_one_and_many, page):
    html = alice_client.get(page).content.decode()
    inputs = re.findall(
        r'<input[^>]*name="quantity"[^>]*type="number"[^>]*>|<input[^>]*type="number"[^>]*name="quantity"[^>]*>',
        html,
    )
    assert inputs
    for tag in inputs:
        assert f'min="{MIN_QUANTITY}"' in tag and f'max="{MAX_QUANTITY}"' in tag, tag


def test_minus_on_a_line_of_one_removes_the_line_with_the_removed_message(
    alice_client, cart_of_one_and_many, event_count
):
    html = alice_client.get("/cart/").content.decode()
    minus = form_holding(html, "less-MUG-001")
    action = re.search(r'action="([^"]+)"', minus)[1]  # type: ignore[index]
    assert action.endswith("/lines/MUG-001/remove/")
    before = event_count()

    response = alice_client.post(action, follow=True)

    assert messages_of(response) == ["Removed MUG-001 from your cart."]
    assert "MUG-001" not in repository.load(cart_of_one_and_many).lines
    assert event_count() == before + 1


def test_minus_on_a_longer_line_takes_one_off(alice_client, cart_of_one_and_many):
    html = alice_client.get("/cart/").content.decode()
    minus = form_holding(html, "less-TEA-001")
    assert "/lines/TEA-001/quantity/" in minus
    assert f'name="quantity" value="{MAX_QUANTITY - 1}"' in minus


def test_plus_on_a_full_line_is_disabled_and_elsewhere_enabled(alice_client, cart_of_one_and_many):
    html = alice_client.get("/cart/").content.decode()
    assert re.search(r'id="more-TEA-001"[^>]*\bdisabled\b', html)
    assert not re.search(r'id="more-MUG-001"[^>]*\bdisabled\b', html)
