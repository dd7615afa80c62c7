"""Staff pages and actions with amounts at and beyond the maximum: refused or shown, never a 5xx."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.application import repository
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.domain.money import MAX_AMOUNT
from carts.models import Product
from tests.extreme_amounts import ALSO_TOP, TOP, extreme_products, legacy_cart

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):  # type: ignore[no-untyped-def]
    return extreme_products()


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["amount", "percent"]),
    value=st.one_of(
        st.sampled_from(["99999999.99", "100000000.00", "1e30", "9" * 40, "0.01", "100"]),
        st.decimals(min_value=0, max_value=MAX_AMOUNT * 10, places=2).map(str),
    ),
)
def test_a_goodwill_of_any_size_is_applied_within_the_range_or_refused_naming_it(
    agent_client, products, meta, event_count, kind, value
):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku=TOP, quantity=1), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": kind, "value": value, "currency": "EUR"},
        follow=True,
    )
    assert response.status_code == 200
    cart = repository.load(cart_id)
    if event_count() == before:
        assert any("Nothing was changed" in m or "Refused" in m for m in messages_of(response))
        assert cart.discount is None
    else:
        assert cart.discount is not None and cart.discount.value <= MAX_AMOUNT
    assert Decimal(0) <= cart.total <= MAX_AMOUNT


def test_a_goodwill_beyond_the_range_is_refused_naming_the_limit(
    agent_client, products, meta, event_count
):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku=TOP, quantity=1), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": "amount", "value": "100000000", "currency": "EUR"},
        follow=True,
    )
    assert any("99,999,999.99" in m for m in messages_of(response))
    assert event_count() == before


def test_staff_pages_show_a_cart_stored_beyond_the_range(
    superuser_client, products, project_everything
):
    cart_id = legacy_cart("user:1", (TOP, 99), (ALSO_TOP, 2))
    project_everything()
    timeline = superuser_client.get(reverse("admin:carts_cart_timeline", args=[cart_id]))
    assert timeline.status_code == 200
    listing = superuser_client.get(reverse("admin:projections_cartsummary_changelist"))
    assert listing.status_code == 200
    for export in ("csv", "json"):
        url = f"/admin/carts/cart/{cart_id}/timeline.{export}"
        assert superuser_client.get(url).status_code == 200


@pytest.mark.parametrize("price", ["100000000.00", "1000000000", "-0.01"])
def test_the_catalog_admin_refuses_a_price_no_cart_could_ever_hold(superuser_client, price):
    response = superuser_client.post(
        reverse("admin:carts_product_add"),
        {"sku": "X-1", "name": "X", "price": price, "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["price"]
    assert not Product.objects.filter(sku="X-1").exists()


def test_the_catalog_admin_accepts_the_highest_price_a_cart_can_hold(superuser_client):
    response = superuser_client.post(
        reverse("admin:carts_product_add"),
        {"sku": "X-1", "name": "X", "price": "99999999.99", "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 302
    assert Product.objects.get(sku="X-1").price == MAX_AMOUNT
