"""Where a form goes next: only a path of the shop that a Location header can carry.

A form's ``next`` and the card an add-to-cart comes back to are sent by the browser, so they
may hold anything; a line break in them once made the redirect itself fail (a 500).
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.django_db

UNSENDABLE = ["/cart/\r\nSet-Cookie: a=b", "/cart/\tx", "/cart/\x85", "cart/", "//evil.example/"]


@pytest.mark.parametrize("target", UNSENDABLE)
def test_a_next_that_is_no_sendable_path_of_the_shop_is_ignored(alice_client, catalog, target):
    response = alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": 1, "next": target})
    assert response.status_code == 303
    assert response["Location"] == "/#add-TEA-001"


@pytest.mark.parametrize("target", UNSENDABLE)
def test_log_in_goes_on_only_to_a_sendable_path_of_the_shop(client, alice, target):
    answer = {"username": "alice", "password": "tea-for-two-42", "next": target}
    response = client.post("/accounts/login/", answer)
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_next_of_the_shop_is_followed(alice_client, catalog):
    response = alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": 1, "next": "/?q=t"})
    assert response["Location"] == "/?q=t#add-TEA-001"


def test_the_card_an_add_comes_back_to_is_percent_encoded(alice_client, catalog):
    sku = "TEA\r\n<b>"
    response = alice_client.post("/cart/add/", {"sku": sku, "quantity": 1})
    assert response.status_code == 303
    fragment = response["Location"].partition("#")[2]
    assert "\n" not in fragment and unquote(fragment) == f"add-{sku}"
