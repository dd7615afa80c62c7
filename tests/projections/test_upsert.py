"""Writing read-model rows in bulk: new keys inserted, existing keys updated, values exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from projections.models import CartSummary, DailyFunnel
from projections.upsert import upsert

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def summary(cart: int, generation: int = 1, **values: object) -> CartSummary:
    return CartSummary(
        generation=generation,
        cart_id=UUID(int=cart),
        created_at=MOMENT,
        last_activity_at=MOMENT,
        **values,
    )


def test_new_keys_are_inserted_with_every_value_exact():
    upsert(
        CartSummary,
        "cart_id",
        [
            summary(1, total=Decimal("12.34"), state={"lines": [{"sku": "A", "price": "1.10"}]}),
            summary(2, checked_out_at=MOMENT, status="checked_out"),
        ],
    )

    first, second = CartSummary.objects.order_by("cart_id")
    assert (first.cart_id, first.total, first.last_activity_at) == (
        UUID(int=1),
        Decimal("12.34"),
        MOMENT,
    )
    assert first.state == {"lines": [{"sku": "A", "price": "1.10"}]}
    assert first.checked_out_at is None
    assert (second.status, second.checked_out_at) == ("checked_out", MOMENT)


def test_existing_keys_are_updated_in_place_and_other_generations_untouched():
    upsert(CartSummary, "cart_id", [summary(1, units=1), summary(1, generation=2, units=5)])
    kept_id = CartSummary.objects.get(generation=1).pk

    upsert(CartSummary, "cart_id", [summary(1, units=3, version=2), summary(3, units=7)])

    rows = {(r.generation, r.cart_id.int): r for r in CartSummary.objects.all()}
    assert set(rows) == {(1, 1), (2, 1), (1, 3)}
    assert (rows[1, 1].pk, rows[1, 1].units, rows[1, 1].version) == (kept_id, 3, 2)
    assert rows[2, 1].units == 5
    assert rows[1, 3].units == 7


def test_rows_keyed_by_day_keep_their_json_and_decimals():
    day = DailyFunnel(
        generation=1,
        day=date(2026, 3, 4),
        carts_created=3,
        revenue=Decimal("99.99"),
        conversion=Decimal("0.3333"),
        revenue_by_currency={"EUR": {"orders": 1, "revenue": "99.99"}},
    )
    upsert(DailyFunnel, "day", [day])

    stored = DailyFunnel.objects.get()
    assert (stored.day, stored.carts_created, stored.revenue, stored.conversion) == (
        date(2026, 3, 4),
        3,
        Decimal("99.99"),
        Decimal("0.3333"),
    )
    assert stored.revenue_by_currency == {"EUR": {"orders": 1, "revenue": "99.99"}}


def test_nothing_to_write_writes_nothing():
    upsert(CartSummary, "cart_id", [])

    assert not CartSummary.objects.exists()
