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
