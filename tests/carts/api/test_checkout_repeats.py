"""A checkout retried with the If-Match of the version it bought answers the order, not 412."""

from __future__ import annotations

import pytest

from tests.carts.api.conftest import CHECKOUT, give_details

pytestmark = pytest.mark.django_db


def test_a_checkout_sent_again_with_the_same_if_match_answers_the_order(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("MUG-001", 2))
    give_details(as_owner, cart_id)
    url = f"/api/carts/{cart_id}/checkout/"
    first = as_owner.post(url, {}, format="json", HTTP_IF_MATCH='"3"')
    before = event_count()

    again = as_owner.post(url, {}, format="json", HTTP_IF_MATCH='"3"')

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] == '"4"'
    assert "X-Event-Position" not in again
    assert event_count() == before


def test_a_one_call_checkout_sent_again_with_the_same_if_match_answers_the_order(
    as_owner, new_cart, event_count
):
    # The details and the checkout were recorded together after version 2.
    cart_id = new_cart(("MUG-001", 2))
    url = f"/api/carts/{cart_id}/checkout/"
    first = as_owner.post(url, CHECKOUT, format="json", HTTP_IF_MATCH='"2"')
    before = event_count()

    again = as_owner.post(url, CHECKOUT, format="json", HTTP_IF_MATCH='"2"')

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] == '"4"'
    assert first.json()["order_number"] == again.json()["order_number"]
    assert event_count() == before


def test_a_checkout_with_an_older_if_match_is_still_refused(as_owner, new_cart, event_count):
    cart_id = new_cart(("MUG-001", 2))
    as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json", HTTP_IF_MATCH='"2"')
    before = event_count()

    response = as_owner.post(
        f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 412
    assert event_count() == before
