"""The catalog cannot hold a price that could never be bought, whoever writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from carts.domain.money import MAX_AMOUNT
from carts.models import Product

pytestmark = pytest.mark.django_db


def test_a_price_above_the_maximum_is_refused_by_validation():
    with pytest.raises(ValidationError, match=r"99999999\.99"):
        Product(sku="X-1", name="X", price=MAX_AMOUNT + Decimal("0.01")).full_clean()


@pytest.mark.parametrize("price", ["100000000.00", "123456789012"])
def test_a_price_above_the_maximum_is_refused_by_the_database(price):
    # SQLite does not enforce the column's digits: the check constraint does, on both backends.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Product.objects.create(sku="X-1", name="X", price=Decimal(price))
    assert not Product.objects.filter(sku="X-1").exists()


@pytest.mark.parametrize("price", ["100000000.00", "99999999.991", "123456789012", "1e9"])
def test_the_admin_refuses_a_price_above_the_maximum_naming_the_maximum(admin_client, price):
    response = admin_client.post(
        "/admin/carts/product/add/",
        {"sku": "BIG-1", "name": "Big", "price": price, "currency": "EUR"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "99,999,999.99" in html or "decimal places" in html
    assert "digits in total" not in html and "digits before the decimal point" not in html
    assert not Product.objects.filter(sku="BIG-1").exists()


def test_the_admin_list_refuses_raising_a_price_above_the_maximum_naming_it(admin_client):
    product = Product.objects.create(sku="BIG-1", name="Big", price=Decimal("1.00"))
    response = admin_client.post(
        "/admin/carts/product/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(product.pk),
            "form-0-price": "100000000.00",
            "form-0-active": "on",
            "_save": "Save",
        },
    )
    assert "Enter at most 99,999,999.99, the most a cart may hold." in response.content.decode()
    product.refresh_from_db()
    assert product.price == Decimal("1.00")


def test_a_discount_code_above_the_maximum_is_refused_naming_the_maximum(admin_client):
    response = admin_client.post(
        "/admin/carts/discountcode/add/",
        {"code": "HUGE", "kind": "amount", "value": "100000000.00", "currency": "EUR"},
    )
    assert "Enter at most 99,999,999.99, the most a cart may hold." in response.content.decode()
