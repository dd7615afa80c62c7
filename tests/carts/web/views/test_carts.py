"""My carts and a cart's history with time travel; who may see which cart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carts.application.commands import Abandon, AddItem, ChangeQuantity, CheckOut, RemoveItem
from carts.application.handler import Context, handle
from eventstore import clock
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(alice, make_cart):
    """Alice's cart: created, 2 teas, 1 mug, teas changed to 4, mug removed (5 events)."""
    context = Metadata(actor=f"user:{alice.pk}", source="ui")
    start = timezone.now() - timedelta(days=2)
    with clock.recording_at(start):
        cart_id = make_cart(alice, {"TEA-001": 2})
    with clock.recording_at(start + timedelta(hours=1)):
        handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(context))
    with clock.recording_at(start + timedelta(hours=2)):
        handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=4), Context.system(context))
    with clock.recording_at(start + timedelta(hours=3)):
        handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(context))
    return cart_id, start


def test_my_carts_lists_every_status(alice, alice_client, make_cart, projected):
    open_id = make_cart(alice, {"TEA-001": 1})
    done_id = make_cart(alice, {"MUG-001": 1})
    gone_id = make_cart(alice, {"MUG-001": 2})
    context = Metadata(actor="system", source="system")
    handle(CheckOut(cart_id=done_id, details=DETAILS), Context.system(context))
    handle(Abandon(cart_id=gone_id, reason="idle"), Context.system(context))
    projected()
    html = alice_client.get("/carts/").content.decode()
    assert "behind the shop" not in html
    for cart_id in (open_id, done_id, gone_id):
        assert f'id="cart-{cart_id}"' in html
    for label in ("Open", "Checked out", "Abandoned"):
        assert f">{label}</span>" in html


def test_my_carts_shows_nobody_elses(alice_client, bob, make_cart, projected):
    bobs = make_cart(bob, {"TEA-001": 1})
    projected()
    html = alice_client.get("/carts/").content.decode()
    assert str(bobs) not in html
    assert "No carts yet" in html


def test_my_carts_says_when_the_list_is_behind(alice, alice_client, make_cart, projected):
    listed = make_cart(alice, {"TEA-001": 1})
    projected()
    make_cart(alice, {"MUG-001": 1})  # two events the projection has not read yet
    html = alice_client.get("/carts/").content.decode()
    assert f'id="cart-{listed}"' in html
    assert "This list is 2 changes behind the shop" in html


def test_history_lists_every_event_with_who_source_and_change(alice_client, story):
    cart_id, _ = story
    html = alice_client.get(f"/carts/{cart_id}/history/").content.decode()
    assert html.count('class="event"') == 5
    assert "Changed the quantity of Green tea from 2 to 4" in html
    assert "by <strong>you</strong> via the shop" in html
    assert "Green tea: 2 → 4" in html
    assert "After step <output" in html and ">5</output> of 5" in html


def test_time_travel_to_a_version_shows_the_cart_then_with_the_change_highlighted(
    alice_client, story
):
    cart_id, _ = story
    html = alice_client.get(f"/carts/{cart_id}/history/", {"version": 3}).content.decode()
    assert ">3</output> of 5" in html
    assert "After step #3: <strong>Added 1 × Stoneware mug at 12.00 EUR</strong>" in html
    assert '<dd id="moment-total">€21.00</dd>' in html
    assert '<tr class="is-changed change-added">' in html


def test_time_travel_to_a_moment_uses_the_cart_as_it_stood_then(alice_client, story):
    cart_id, start = story
    moment = (start + timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    html = alice_client.get(f"/carts/{cart_id}/history/", {"at": moment}).content.decode()
    assert ">4</output> of 5" in html
    assert '<dd id="moment-total">€30.00</dd>' in html
    assert "was 2" in html


def test_time_travel_before_the_cart_existed_says_so(alice_client, story):
    cart_id, start = story
    moment = (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    html = alice_client.get(f"/carts/{cart_id}/history/", {"at": moment}).content.decode()
    assert "The cart did not exist yet at that moment" in html


def test_time_travel_with_a_malformed_moment_names_the_problem(alice_client, story):
    cart_id, _ = story
    html = alice_client.get(f"/carts/{cart_id}/history/", {"at": "yesterday"}).content.decode()
    assert "Enter a valid date/time, such as 2026-03-01T10:15:42.130 (UTC)." in html


def test_htmx_time_travel_gets_only_the_panel(alice_client, story):
    cart_id, _ = story
    response = alice_client.get(
        f"/carts/{cart_id}/history/", {"version": 2}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="time-travel"')
    assert "<html" not in html


def test_htmx_history_restore_gets_the_whole_page(alice_client, story):
    cart_id, _ = story
    response = alice_client.get(
        f"/carts/{cart_id}/history/",
        {"version": 2},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("path", ["/carts/{id}/history/", "/checkout/{id}/done/"])
def test_another_shoppers_cart_is_404(client, alice, bob, make_cart, path):
    bobs = make_cart(bob, {"TEA-001": 1})
    handle(
        CheckOut(cart_id=bobs, details=DETAILS), Context.system(Metadata(actor="t", source="ui"))
    )
    client.force_login(alice)
    assert client.get(path.format(id=bobs)).status_code == 404


@pytest.mark.parametrize("path", ["/carts/{id}/history/", "/checkout/{id}/done/"])
def test_an_anonymous_visitor_cannot_see_a_shoppers_cart(client, bob, make_cart, path):
    bobs = make_cart(bob, {"TEA-001": 1})
    handle(
        CheckOut(cart_id=bobs, details=DETAILS), Context.system(Metadata(actor="t", source="ui"))
    )
    assert client.get(path.format(id=bobs)).status_code == 404


def test_a_guest_cart_is_visible_only_to_its_own_session(client, catalog):
    from django.test import Client

    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    cart_id = client.session["cart_id"]
    assert client.get(f"/carts/{cart_id}/history/").status_code == 200
    assert Client().get(f"/carts/{cart_id}/history/").status_code == 404


def test_an_unknown_cart_is_404(alice_client):
    assert (
        alice_client.get("/carts/00000000-0000-0000-0000-000000000000/history/").status_code == 404
    )
