"""Read models hold every amount a cart can record: at the maximum, and beyond it from before."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.money import MAX_AMOUNT
from projections.models import CartSummary, ProductActivity, ProjectionShard, ProjectionState
from projections.rebuild import rebuild
from projections.registry import names
from tests.checkout_details import DETAILS
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


def _bought_at_the_maximum(meta) -> None:  # type: ignore[no-untyped-def]
    cart_id = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku=TOP, quantity=1), Context.system(meta))
    handle(CheckOut(details=DETAILS, cart_id=cart_id), Context.system(meta))


def _generation(name: str) -> int:
    return ProjectionState.objects.get(name=name).active_generation


def test_catch_up_and_rebuild_hold_carts_at_and_beyond_the_maximum(
    products, meta, project, read_model
):
    _bought_at_the_maximum(meta)
    legacy = legacy_cart("user:1", (TOP, 99), (ALSO_TOP, 2))
    project()
    row = CartSummary.objects.get(cart_id=legacy, generation=_generation("cart_summaries"))
    assert row.subtotal == row.total == MAX_AMOUNT * 101
    incremental = {name: read_model(name) for name in names()}
    for name in names():
        rebuild(name, batch_size=2)
        assert read_model(name) == incremental[name]
    assert not ProjectionShard.objects.exclude(last_error="").exists()
    assert not ProjectionState.objects.exclude(rebuild_error="").exists()


def test_revenue_per_product_holds_many_carts_at_the_maximum(
    products, meta, project, active_shards
):
    project()
    generation = _generation("product_activity")
    # As if ten thousand carts had bought it at the maximum already.
    ProductActivity.objects.create(
        generation=generation, sku=TOP, revenue=Decimal("999999999999.99")
    )
    _bought_at_the_maximum(meta)
    project()
    row = ProductActivity.objects.get(generation=generation, sku=TOP)
    assert row.revenue == Decimal("999999999999.99") + MAX_AMOUNT
    assert not active_shards("product_activity").get().last_error


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(st.sampled_from([TOP, ALSO_TOP]), PRICES, QUANTITIES), max_size=3))
def test_projected_totals_equal_the_carts_whatever_the_prices(products, meta, project, steps):
    cart_id = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id
    cart = None
    for sku, price, quantity in steps:
        priced(sku, price)
        with contextlib.suppress(errors.AmountOutOfRange, errors.QuantityOutOfRange):
            cart = handle(
                AddItem(cart_id=cart_id, sku=sku, quantity=quantity), Context.system(meta)
            )
    project()
    row = CartSummary.objects.get(cart_id=cart_id, generation=_generation("cart_summaries"))
    expected = cart.cart.total if cart is not None else Decimal("0.00")
    assert row.total == expected <= MAX_AMOUNT
