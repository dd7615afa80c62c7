from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

from django.test import override_settings

from carts.application.commands import (
    Abandon,
    AddItem,
    CheckOut,
    CreateCart,
    MergeCarts,
    RemoveItem,
)
from carts.application.handler import Context, handle
from projections.selectors import daily_funnel
from tests.checkout_details import DETAILS

DAY_ONE = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def _on(moment):
    """Record events as if at ``moment`` (the store stamps recorded_at by the clock)."""
    return mock.patch("eventstore.clock.timezone.now", return_value=moment)


def _day(day):
    return daily_funnel().get(day=day)


def test_each_step_is_counted_on_the_day_it_happened(new_cart, project, meta):
    with _on(DAY_ONE):
        first = new_cart({"TEA-001": 2})
        second = new_cart()
        new_cart()
    with _on(DAY_ONE + timedelta(hours=1)):
        handle(AddItem(cart_id=second, sku="MUG-001", quantity=1), Context.system(meta))
        handle(CheckOut(details=DETAILS, cart_id=first), Context.system(meta))
        handle(Abandon(cart_id=second, reason="idle"), Context.system(meta))
    project()
    one, two = _day(DAY_ONE.date()), _day(DAY_ONE.date() + timedelta(days=1))
    assert (one.carts_created, one.carts_with_items, one.checked_out, one.abandoned) == (3, 1, 0, 0)
    assert (two.carts_created, two.carts_with_items, two.checked_out, two.abandoned) == (0, 1, 1, 1)


def test_a_cart_counts_once_among_carts_with_items(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 1})
    handle(RemoveItem(cart_id=cart_id, sku="TEA-001"), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    project()
    assert daily_funnel().get().carts_with_items == 1


def test_revenue_average_order_and_conversion_in_the_reporting_currency(new_cart, project, meta):
    for items in ({"TEA-001": 2}, {"MUG-001": 1}, {"USD-001": 1}):
        handle(CheckOut(details=DETAILS, cart_id=new_cart(items)), Context.system(meta))
    new_cart()
    project()
    day = daily_funnel().get()
    assert (day.currency, day.revenue, day.average_order_value) == (
        "EUR",
        Decimal("21.00"),
        Decimal("10.50"),
    )
    assert day.conversion == Decimal("0.7500")
    assert day.revenue_by_currency["USD"] == {"orders": 1, "revenue": "3.00"}


@override_settings(PROJECTIONS_REPORTING_CURRENCY="USD")
def test_the_reporting_currency_is_a_setting(new_cart, project, meta):
    handle(CheckOut(details=DETAILS, cart_id=new_cart({"USD-001": 2})), Context.system(meta))
    project()
    assert (daily_funnel().get().currency, daily_funnel().get().revenue) == ("USD", Decimal("6.00"))


def test_a_merge_that_carried_no_line_does_not_make_a_cart_one_with_items(new_cart, project, meta):
    euro_cart = handle(CreateCart(currency="EUR"), Context.system(meta)).cart.id
    dollar_guest = new_cart({"USD-001": 1})

    handle(MergeCarts(source_cart_id=dollar_guest, target_cart_id=euro_cart), Context.system(meta))

    project()
    assert daily_funnel().get().carts_with_items == 1  # the guest's; the euro cart got nothing
