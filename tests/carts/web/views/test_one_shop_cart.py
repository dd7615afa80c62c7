"""At most one shop cart per shopper and per guest session, however the first adds race.

SQLite serialises writers, so the race is replayed here deterministically: every request reads
the session and the shopper's carts as they were before the first add committed, which is what
racing requests (a double click on "Add to cart") see. tests/carts/web/views/
test_one_shop_cart_postgres.py races real processes on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore

from carts.application import repository, selectors
from carts.web import listings
from carts.web.request_context import GUEST_ID_KEY
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db

CLICKS = 3


@pytest.fixture
def reads_before_the_first_add(monkeypatch):
    """Make every request see the session and the open carts as the first request saw them."""

    def freeze(client) -> None:
        before = dict(client.session.load())
        monkeypatch.setattr(SessionStore, "load", lambda self: dict(before))
        monkeypatch.setattr(listings, "open_cart_for", lambda owner_id: None)

    return freeze


def _open_carts(owner_id: str):
    carts = [repository.load(cart_id) for cart_id in selectors.owned_cart_ids(owner_id)]
    return [cart for cart in carts if cart.is_open]


def _click_add(client) -> None:
    for _ in range(CLICKS):
        assert client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"}).status_code == 303


@pytest.mark.parametrize(
    "numbered_before", [True, False], ids=["numbered before", "numbered after the first"]
)
def test_racing_first_adds_of_a_shopper_fill_one_cart(
    alice_client, alice, catalog, reads_before_the_first_add, monkeypatch, numbered_before
):
    reads_before_the_first_add(alice_client)
    if numbered_before:
        # Every request also counted the shopper's carts before the first one committed.
        monkeypatch.setattr(selectors, "next_cart_number", lambda owner_id: 0)

    _click_add(alice_client)

    [cart] = _open_carts(f"user:{alice.pk}")
    assert cart.lines["TEA-001"].quantity == CLICKS
    assert len(selectors.owned_cart_ids(f"user:{alice.pk}")) == 1


def test_racing_first_adds_of_a_guest_share_one_identity_and_one_cart(
    client, catalog, reads_before_the_first_add, monkeypatch
):
    client.get("/")  # the page with the add-to-cart forms
    guest_id = client.session[GUEST_ID_KEY]
    reads_before_the_first_add(client)
    monkeypatch.setattr(selectors, "next_cart_number", lambda owner_id: 0)

    _click_add(client)

    [cart] = _open_carts(guest_id)
    assert cart.lines["TEA-001"].quantity == CLICKS


def test_a_shopper_whose_cart_was_bought_gets_one_new_cart(alice_client, alice, catalog):
    _click_add(alice_client)
    [first] = _open_carts(f"user:{alice.pk}")
    alice_client.post(f"/checkout/{first.id}/", {"version": str(first.version), **DETAILS_FIELDS})

    _click_add(alice_client)

    [second] = _open_carts(f"user:{alice.pk}")
    assert second.id != first.id
    assert second.lines["TEA-001"].quantity == CLICKS
    assert repository.load(first.id).status == "checked_out"


def test_every_page_with_add_to_cart_forms_gives_a_guest_its_identity(client, catalog):
    for page in ("/", "/products/TEA-001/"):
        fresh = client.__class__()
        fresh.get(page)
        assert fresh.session[GUEST_ID_KEY].startswith("guest:")
