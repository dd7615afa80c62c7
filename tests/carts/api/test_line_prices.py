"""Line prices and retired products over the API: what a line says, accepting a price, checkout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.models import Product
from tests.carts.api.conftest import CHECKOUT, problem_of


def test_a_line_shows_units_at_each_price_and_the_catalog_price_now(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 2))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))

    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )

    [line] = response.json()["lines"]
    assert line["prices"] == [
        {"unit_price": "4.50", "quantity": 2, "total": "9.00"},
        {"unit_price": "6.00", "quantity": 1, "total": "6.00"},
    ]
    assert (line["total"], line["catalog_price"], line["price_changed"]) == ("15.00", "6.00", True)
    assert response.json()["total"] == "15.00"


def test_accepting_the_catalog_price_honours_if_match_and_idempotency_key(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 2))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))
    url = f"/api/carts/{cart_id}/items/TEA-001/price/"
    body = {"unit_price": "6.00"}

    stale = as_owner.put(url, body, format="json", HTTP_IF_MATCH='"1"')
    before = event_count()
    first = as_owner.put(url, body, format="json", HTTP_IF_MATCH='"2"', HTTP_IDEMPOTENCY_KEY="p1")
    retry = as_owner.put(url, body, format="json", HTTP_IF_MATCH='"2"', HTTP_IDEMPOTENCY_KEY="p1")

    assert stale.status_code == 412
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert event_count() == before + 1
    [line] = first.json()["lines"]
    assert (line["total"], line["price_changed"]) == ("12.00", False)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"unit_price": "5.00"}, 409, "price_changed"),
        ({"unit_price": 6}, 400, "invalid_input"),
        ({"unit_price": "six"}, 400, "invalid_input"),
        ({}, 400, "invalid_input"),
    ],
)
def test_a_refused_price_acceptance_writes_nothing(
    as_owner, new_cart, event_count, body, status, code
):
    cart_id = new_cart(("TEA-001", 2))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))
    before = event_count()

    response = as_owner.put(f"/api/carts/{cart_id}/items/TEA-001/price/", body, format="json")

    assert response.status_code == status
    assert problem_of(response)["code"] == code
    assert event_count() == before


def test_a_retired_line_is_marked_cannot_be_raised_and_blocks_checkout(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 2))
    Product.objects.filter(sku="MUG-001").update(active=False)
    before = event_count()

    read = as_owner.get(f"/api/carts/{cart_id}/")
    raised = as_owner.put(f"/api/carts/{cart_id}/items/MUG-001/", {"quantity": 3}, format="json")
    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")

    assert [line["available"] for line in read.json()["lines"]] == [True, False]
    assert raised.status_code == 422
    assert problem_of(raised)["code"] == "product_inactive"
    assert checkout.status_code == 422
    assert problem_of(checkout)["code"] == "lines_unavailable"
    assert "Stoneware mug (MUG-001)" in problem_of(checkout)["detail"]
    assert event_count() == before

    lowered = as_owner.put(f"/api/carts/{cart_id}/items/MUG-001/", {"quantity": 1}, format="json")
    removed = as_owner.delete(f"/api/carts/{cart_id}/items/MUG-001/")
    bought = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    assert (lowered.status_code, removed.status_code, bought.status_code) == (200, 200, 200)
    assert bought.json()["total"] == "4.50"


def test_a_product_moved_to_another_currency_is_not_sold_to_the_cart_any_more(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 2))
    Product.objects.filter(sku="TEA-001").update(currency="USD")
    before = event_count()

    [line] = as_owner.get(f"/api/carts/{cart_id}/").json()["lines"]
    raised = as_owner.put(f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 3}, format="json")
    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")

    assert (line["available"], line["catalog_price"], line["price_changed"]) == (False, None, False)
    assert raised.status_code == 422
    assert checkout.status_code == 422
    assert problem_of(checkout)["code"] == "lines_unavailable"
    assert event_count() == before
