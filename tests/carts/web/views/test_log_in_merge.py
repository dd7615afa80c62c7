"""What a guest had survives log-in: moved into the shopper's cart, or kept and explained."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from django.test import Client

from carts.application import repository
from carts.models import Product
from carts.web import listings
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db


def _log_in(client):
    return client.post(
        "/accounts/login/", {"username": "alice", "password": "tea-for-two-42"}, follow=True
    )


def _guest_cart(client) -> UUID:
    return UUID(client.session[CART_KEY])


def _merge_events(cart_id: UUID):
    return [
        e
        for e in repository.history(cart_id)
        if e.event_type in ("cart.CartMergedFrom", "cart.CartMergedInto")
    ]


def test_a_guest_discount_goes_along_to_a_new_account_cart(client, alice, catalog):
    Product.objects.create(sku="TEA-EAR", name="Earl grey", price=Decimal("14.50"))
    client.post("/cart/add/", {"sku": "TEA-EAR", "quantity": "2"})
    guest = _guest_cart(client)
    client.post(f"/cart/{guest}/discount/", {"code": "WELCOME10"})
    assert repository.load(guest).total == Decimal("26.10")

    response = _log_in(client)

    account = listings.open_cart_for(f"user:{alice.pk}")
    assert account is not None
    assert account.total == Decimal("26.10")
    assert account.discount is not None and account.discount.code == "WELCOME10"
    assert "Discount code WELCOME10 came along." in messages_of(response)
    [given] = _merge_events(guest)
    assert given.payload["discount"]["code"] == "WELCOME10"
    assert given.payload["discount"]["left_reason"] == ""
    assert "€26.10" in client.get("/cart/").content.decode()


def test_a_guest_cart_in_another_currency_stays_open_current_and_explained(
    client, alice, make_cart, catalog
):
    account = make_cart(alice, {"TEA-001": 1})
    client.post("/cart/add/", {"sku": "USD-001", "quantity": "2"})
    guest = _guest_cart(client)

    response = _log_in(client)

    kept = repository.load(guest)
    assert kept.is_open and kept.lines["USD-001"].quantity == 2
    assert repository.load(account).lines.keys() == {"TEA-001"}
    notes = messages_of(response)
    assert (
        "2 × Imported spoon stayed in your guest cart: it is priced in another currency than"
        " your cart." in notes
    )
    # Both histories say what stayed and why.
    [given], [taken] = _merge_events(guest), _merge_events(account)
    left = [{"sku": "USD-001", "name": "Imported spoon", "quantity": 2, "reason": "currency"}]
    assert given.payload["left"] == taken.payload["left"] == left
    assert given.payload["lines"] == taken.payload["lines"] == []
    # What stayed can still be bought: it is the current cart.
    assert "Imported spoon" in client.get("/cart/").content.decode()
    done = client.post(f"/checkout/{guest}/", {"version": str(kept.version), **DETAILS_FIELDS})
    assert done["Location"] == f"/checkout/{guest}/done/"
    assert repository.load(guest).status == "checked_out"


def test_units_past_the_line_limit_stay_in_the_guest_cart(client, alice, make_cart, catalog):
    account = make_cart(alice, {"TEA-001": 95})
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "10"})
    guest = _guest_cart(client)

    response = _log_in(client)

    assert repository.load(account).lines["TEA-001"].quantity == 99
    assert repository.load(guest).lines["TEA-001"].quantity == 6
    notes = messages_of(response)
    assert "4 item(s) from before you logged in are now in your cart." in notes
    assert "6 × Green tea stayed in your guest cart: a line holds at most 99 units." in notes


def test_a_guest_discount_the_account_cart_cannot_take_is_explained(
    client, alice, make_cart, catalog
):
    account = make_cart(alice, {"TEA-001": 3})  # more than FIVEOFF takes off
    client.force_login(alice)
    client.post(f"/cart/{account}/discount/", {"code": "FIVEOFF"})
    client.post("/accounts/logout/")
    client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"})
    guest = _guest_cart(client)
    client.post(f"/cart/{guest}/discount/", {"code": "WELCOME10"})

    response = _log_in(client)

    cart = repository.load(account)
    assert cart.discount is not None and cart.discount.code == "FIVEOFF"
    assert cart.lines["MUG-001"].quantity == 1
    assert repository.load(guest).status == "merged"
    assert (
        "Discount code WELCOME10 was not carried over: your cart already has a discount."
        in messages_of(response)
    )
    [taken] = _merge_events(account)
    assert taken.payload["discount"]["left_reason"] == "has_discount"


def test_the_guest_carts_history_says_the_shopper_merged_it_at_log_in(client, alice, catalog):
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    guest = _guest_cart(client)
    _log_in(client)
    [merged] = _merge_events(guest)
    assert merged.metadata["actor"] == f"user:{alice.pk}"  # the merge runs as the account

    steps = client.get(f"/carts/{guest}/history/").context["steps"]
    assert [(step.summary.split(" when")[0], step.by) for step in steps] == [
        ("Cart created", "you"),
        ("Added 1 × Green tea at 4.50 EUR", "you"),
        ("Moved into your account’s cart", "you"),
    ]
    # The same from another browser, where only the account is the reader's identity.
    other = Client()
    other.force_login(alice)
    steps = other.get(f"/carts/{guest}/history/").context["steps"]
    assert steps[-1].by == "you"
    assert (
        "by <strong>the shop</strong>" not in other.get(f"/carts/{guest}/history/").content.decode()
    )
