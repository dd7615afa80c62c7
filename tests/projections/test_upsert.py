"""Writing read-model rows in bulk: new keys inserted, existing keys updated, values exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from projections.models import CartSummary, DailyFunnel, DailyRevenue, ProductActivity
from projections.projectors.daily_funnel import DAY_COUNTS
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


def test_rows_keyed_by_day_and_currency_keep_their_dates_and_decimals():
    day = date(2026, 3, 4)
    upsert(
        DailyRevenue,
        ("day", "currency"),
        [
            DailyRevenue(generation=1, day=day, currency="EUR", orders=1, revenue=Decimal("99.99")),
            DailyRevenue(generation=1, day=day, currency="USD", orders=2, revenue=Decimal("0.01")),
        ],
    )
    upsert(
        DailyRevenue,
        ("day", "currency"),
        [DailyRevenue(generation=1, day=day, currency="EUR", orders=3, revenue=Decimal("5.10"))],
    )

    stored = {r.currency: (r.day, r.orders, r.revenue) for r in DailyRevenue.objects.all()}
    assert stored == {
        "EUR": (day, 3, Decimal("5.10")),
        "USD": (day, 2, Decimal("0.01")),
    }


def test_added_columns_are_summed_onto_the_stored_row():
    def change(**counts: object) -> DailyFunnel:
        return DailyFunnel(generation=1, day=date(2026, 3, 4), currency="EUR", **counts)

    upsert(
        DailyFunnel,
        "day",
        [change(carts_created=2, orders=1, revenue=Decimal("99.99"))],
        added=DAY_COUNTS,
    )
    upsert(
        DailyFunnel,
        "day",
        [change(carts_created=1, checked_out=1, orders=1, revenue=Decimal("0.03"))],
        added=DAY_COUNTS,
    )

    stored = DailyFunnel.objects.get()
    assert (stored.carts_created, stored.checked_out, stored.orders, stored.revenue) == (
        3,
        1,
        2,
        Decimal("100.02"),
    )
    # Rates are computed from the summed counts, so they are exact whoever wrote last.
    assert (stored.conversion, stored.average_order_value) == (Decimal("0.3333"), Decimal("50.01"))


def test_latest_columns_come_from_the_newer_event_whichever_is_written_last():
    def named(name: str, currency: str, at: int) -> ProductActivity:
        return ProductActivity(
            generation=1, sku="TEA-001", name=name, currency=currency, named_at=at, times_added=1
        )

    def write(row: ProductActivity) -> None:
        upsert(
            ProductActivity,
            "sku",
            [row],
            added=("times_added",),
            latest=("name", "currency"),
            latest_by="named_at",
        )

    write(named("Green tea", "EUR", 7))
    write(named("Tea", "USD", 3))  # an older event, written later by another shard
    stored = ProductActivity.objects.get()
    assert (stored.name, stored.currency, stored.named_at, stored.times_added) == (
        "Green tea",
        "EUR",
        7,
        2,
    )
    write(named("Sencha", "USD", 9))
    stored = ProductActivity.objects.get()
    assert (stored.name, stored.currency, stored.named_at, stored.times_added) == (
        "Sencha",
        "USD",
        9,
        3,
    )


def test_nothing_to_write_writes_nothing():
    upsert(CartSummary, "cart_id", [])

    assert not CartSummary.objects.exists()
