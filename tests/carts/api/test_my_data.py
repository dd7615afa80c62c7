"""GET /api/me/data/: a shopper's or a session guest's own data, decrypted, as a download."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from carts.application.commands import AddItem, CreateCart, ProvideCheckoutDetails
from carts.application.customer_data import FORMAT
from carts.application.handler import Context, handle
from tests.carts.api.conftest import give_details, problem_of
from tests.checkout_details import DETAILS, DETAILS_FIELDS

pytestmark = pytest.mark.django_db

GUEST = "guest:" + "a1" * 16


def _download(client: APIClient) -> dict:
    response = client.get("/api/me/data/")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-shop-data-')
    assert response["Content-Disposition"].endswith('.json"')
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_a_shopper_downloads_their_carts_with_the_details_decrypted(
    as_owner, owner, as_other, new_cart
):
    mine = new_cart(("TEA-001", 1))
    give_details(as_owner, mine)
    as_other.post("/api/carts/", {}, format="json")

    data = _download(as_owner)

    assert data["format"] == FORMAT
    assert data["customer_ids"] == [f"user:{owner.pk}"]
    assert data["account"]["username"] == "olive"
    assert [cart["cart_id"] for cart in data["carts"]] == [str(mine)]
    [given] = [
        e for e in data["carts"][0]["events"] if e["event_type"] == "cart.CheckoutDetailsProvided"
    ]
    assert {name: given["payload"][name] for name in DETAILS_FIELDS} == DETAILS_FIELDS
    assert given["metadata"]["client_ip"] == "127.0.0.1"


def test_a_session_guest_downloads_their_cart(catalog, meta):
    cart = handle(CreateCart(owner_id=GUEST), Context.system(meta)).cart
    handle(AddItem(cart_id=cart.id, sku="TEA-001", quantity=1), Context.system(meta))
    handle(ProvideCheckoutDetails(cart_id=cart.id, details=DETAILS), Context.system(meta))
    guest = APIClient()
    session = guest.session
    session["guest_id"] = GUEST
    session.save()

    data = _download(guest)

    assert data["customer_ids"] == [GUEST]
    assert data["account"] is None
    assert [c["cart_id"] for c in data["carts"]] == [str(cart.id)]
    assert DETAILS.email in json.dumps(data)


def test_someone_the_shop_does_not_know_is_not_authenticated(anonymous):
    response = anonymous.get("/api/me/data/")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "not_authenticated"


def test_a_shopper_without_carts_gets_an_empty_list(as_other):
    assert _download(as_other)["carts"] == []
