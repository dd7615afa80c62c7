"""Extreme prices and quantities over HTTP: refused with 422 and nothing written, never a 5xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.domain.money import MAX_AMOUNT
from tests.carts.api.conftest import CHECKOUT, give_details, problem_of
from tests.extreme_amounts import (
    ALSO_TOP,
    PRICES,
    QUANTITIES,
    TOP,
    extreme_products,
    legacy_cart,
    priced,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):  # type: ignore[no-untyped-def]
    return extreme_products()


def _open(client) -> str:  # type: ignore[no-untyped-def]
    created = client.post("/api/carts/", {}, format="json")
    assert created.status_code == 201
    return created.json()["id"]


def test_99_and_2_at_the_highest_price_are_refused_with_422_and_nothing_written(
    as_owner, products, event_count
):
    cart = _open(as_owner)
    items = f"/api/carts/{cart}/items/"
    before = event_count()
    for sku, quantity in ((TOP, 99), (ALSO_TOP, 2)):
        refused = as_owner.post(items, {"sku": sku, "quantity": quantity}, format="json")
        assert refused.status_code == 422
        problem = problem_of(refused)
        assert problem["code"] == "amount_out_of_range"
        assert "99,999,999.99" in problem["detail"]
    assert event_count() == before
    # A retry is refused the same way: nothing is added again.
    retried = as_owner.post(items, {"sku": TOP, "quantity": 99}, format="json")
    assert retried.status_code == 422
    assert event_count() == before


def test_a_cart_at_the_maximum_reads_and_checks_out(as_owner, products, event_count):
    cart = _open(as_owner)
    added = as_owner.post(f"/api/carts/{cart}/items/", {"sku": TOP, "quantity": 1}, format="json")
    assert added.status_code == 200, added.content
    assert added.json()["total"] == "99999999.99"
    raised = as_owner.put(f"/api/carts/{cart}/items/{TOP}/", {"quantity": 2}, format="json")
    assert problem_of(raised)["code"] == "amount_out_of_range"
    assert as_owner.get(f"/api/carts/{cart}/").json()["subtotal"] == "99999999.99"
    give_details(as_owner, cart)
    before = event_count()
    bought = as_owner.post(f"/api/carts/{cart}/checkout/", {}, format="json")
    assert bought.status_code == 200
    assert bought.json()["status"] == "checked_out"
    assert event_count() == before + 1


def test_a_cart_stored_beyond_the_range_reads_is_refused_checkout_and_can_be_lowered(
    as_owner, owner, products, event_count
):
    cart = legacy_cart(f"user:{owner.pk}", (TOP, 99), (ALSO_TOP, 2))
    read = as_owner.get(f"/api/carts/{cart}/")
    assert read.status_code == 200
    assert Decimal(read.json()["subtotal"]) == MAX_AMOUNT * 101
    before = event_count()
    refused = as_owner.post(f"/api/carts/{cart}/checkout/", CHECKOUT, format="json")
    assert refused.status_code == 422
    assert problem_of(refused)["code"] == "amount_out_of_range"
    assert event_count() == before
    assert as_owner.delete(f"/api/carts/{cart}/items/{ALSO_TOP}/").status_code == 200
    lowered = as_owner.put(f"/api/carts/{cart}/items/{TOP}/", {"quantity": 1}, format="json")
    assert lowered.json()["total"] == "99999999.99"
    bought = as_owner.post(f"/api/carts/{cart}/checkout/", CHECKOUT, format="json")
    assert bought.status_code == 200


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from([TOP, ALSO_TOP]), PRICES, QUANTITIES), min_size=1, max_size=4
    )
)
def test_no_command_with_extreme_prices_answers_a_server_error(
    as_owner, products, event_count, steps
):
    cart = _open(as_owner)
    for sku, price, quantity in steps:
        priced(sku, price)
        before = event_count()
        answer = as_owner.post(
            f"/api/carts/{cart}/items/", {"sku": sku, "quantity": quantity}, format="json"
        )
        assert answer.status_code in (200, 422), answer.content
        if answer.status_code == 422:
            assert event_count() == before
        else:
            assert Decimal(answer.json()["total"]) <= MAX_AMOUNT
    assert as_owner.get(f"/api/carts/{cart}/").status_code == 200
    checkout = as_owner.post(f"/api/carts/{cart}/checkout/", CHECKOUT, format="json")
    assert checkout.status_code in (200, 422)


# --- currencies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["usd", "US", "EURO", "12€"])
def test_a_malformed_currency_is_a_400_invalid_currency(as_owner, catalog, code, event_count):
    refused = as_owner.post("/api/carts/", {"currency": code}, format="json")
    assert refused.status_code == 400
    assert problem_of(refused)["code"] == "invalid_currency"
    assert event_count() == 0


def test_a_currency_nothing_is_priced_in_is_a_422_currency_not_sold(as_owner, catalog, event_count):
    refused = as_owner.post("/api/carts/", {"currency": "XYZ"}, format="json")
    assert refused.status_code == 422
    problem = problem_of(refused)
    assert problem["code"] == "currency_not_sold"
    assert "EUR, USD" in problem["detail"]
    assert event_count() == 0


def test_a_currency_only_retired_products_are_priced_in_is_not_sold(
    as_integration, owner, catalog, event_count
):
    catalog["USD-001"].active = False
    catalog["USD-001"].save()
    refused = as_integration.post(
        "/api/carts/", {"currency": "USD", "owner_id": f"user:{owner.pk}"}, format="json"
    )
    assert problem_of(refused)["code"] == "currency_not_sold"
    assert event_count() == 0
    sold = as_integration.post("/api/carts/", {"currency": "EUR"}, format="json")
    assert sold.status_code == 201
