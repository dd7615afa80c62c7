"""Sign up, log in, log out, and the guest cart merged into the shopper's cart at log-in."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.web import listings
from carts.web.shopper import CART_KEY
from eventstore.models import Event

pytestmark = pytest.mark.django_db


def _log_in(client, username="alice", password="tea-for-two-42"):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_up_creates_an_account_and_logs_in(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "",
            "password1": "Oolong-at-noon-7",
            "password2": "Oolong-at-noon-7",
        },
    )
    assert response.status_code == 302
    assert "Hello, newbie" in client.get("/").content.decode()


def test_sign_up_names_what_is_wrong(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "x", "password1": "abc", "password2": "abd"}
    )
    assert response.status_code == 400
    assert "The two password fields didn’t match." in response.content.decode()


def test_a_refused_log_in_answers_400_saying_why(client, alice):
    response = _log_in(client, password="not-the-password")
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()
    assert "Log in" in response.content.decode()


def test_log_in_and_log_out(client, alice):
    assert _log_in(client).status_code == 302
    assert "Hello, alice" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "Log in" in client.get("/").content.decode()


def test_log_in_merges_the_guest_cart_into_a_new_cart_of_the_shopper(client, alice, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    guest_id = client.session[CART_KEY]
    _log_in(client)
    target = listings.open_cart_for(f"user:{alice.pk}")
    assert target is not None
    assert client.session[CART_KEY] == str(target.id)
    assert target.lines["TEA-001"].quantity == 2
    guest = repository.load(target.id.__class__(guest_id))
    assert guest.status == "merged"
    assert guest.merged_into == target.id
    merged = Event.objects.filter(event_type__in=["cart.CartMergedInto", "cart.CartMergedFrom"])
    assert {e.metadata["actor"] for e in merged} == {f"user:{alice.pk}"}
    assert {e.metadata["source"] for e in merged} == {"ui"}


def test_log_in_merges_into_the_shoppers_open_cart(client, alice, make_cart, projected):
    existing = make_cart(alice, {"TEA-001": 1, "MUG-001": 1})
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    guest_id = client.session[CART_KEY]
    _log_in(client)
    cart = repository.load(existing)
    assert cart.lines["TEA-001"].quantity == 3
    assert client.session[CART_KEY] == str(existing)
    html = client.get(f"/carts/{existing}/history/").content.decode()
    assert "Merged 1 line(s) from a guest cart" in html
    guest_history = client.get(f"/carts/{guest_id}/history/").content.decode()
    assert "Moved into your account’s cart when you logged in" in guest_history
    projected()
    assert ">Merged</span>" in client.get("/carts/").content.decode()


def test_log_in_without_a_guest_cart_writes_nothing(client, alice, event_count):
    _log_in(client)
    assert event_count() == 0


def test_every_event_of_one_log_in_shares_one_correlation_id(client, alice, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    before = Event.objects.count()
    _log_in(client)
    merge = list(Event.objects.order_by("position")[before:])
    # A new cart for the shopper, the guest cart closed into it, its lines moved in.
    assert [e.event_type for e in merge] == [
        "cart.CartCreated",
        "cart.CartMergedInto",
        "cart.CartMergedFrom",
    ]
    assert len({e.correlation_id for e in merge}) == 1
    assert merge[0].correlation_id
