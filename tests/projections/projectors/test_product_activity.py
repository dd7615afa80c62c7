from decimal import Decimal

from carts.application.commands import (
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    MergeCarts,
    RemoveItem,
)
from carts.application.handler import Context, handle
from projections.selectors import product_activity
from tests.checkout_details import DETAILS


def _activity(sku):
    return product_activity().get(sku=sku)


def test_adds_count_times_and_units_with_the_offered_name(new_cart, project):
    new_cart({"TEA-001": 2})
    new_cart({"TEA-001": 3, "MUG-001": 1})
    project()
    tea = _activity("TEA-001")
    assert (tea.name, tea.currency, tea.times_added, tea.units_added) == ("Green tea", "EUR", 2, 5)


def test_raising_a_quantity_adds_units_and_lowering_it_removes_them(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 2})
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=6), Context.system(meta))
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    project()
    tea = _activity("TEA-001")
    assert (tea.times_added, tea.units_added, tea.units_removed_before_checkout) == (1, 6, 5)


def test_removals_count_times_and_units_removed_before_checkout(new_cart, project, meta):
    cart_id = new_cart({"MUG-001": 3})
    handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    project()
    mug = _activity("MUG-001")
    assert (mug.times_removed, mug.units_removed_before_checkout, mug.units_purchased) == (1, 3, 0)


def test_checkout_counts_units_purchased_revenue_and_conversion(new_cart, project, meta):
    bought = new_cart({"TEA-001": 3, "MUG-001": 1})
    new_cart({"TEA-001": 1})
    handle(ApplyDiscount(cart_id=bought, code="WELCOME10"), Context.system(meta))
    handle(CheckOut(details=DETAILS, cart_id=bought), Context.system(meta))
    project()
    tea = _activity("TEA-001")
    assert (tea.units_purchased, tea.revenue) == (3, Decimal("13.50"))
    assert tea.conversion == Decimal("0.7500")


def test_a_merge_does_not_count_the_guests_units_twice(new_cart, project, meta):
    guest = new_cart({"TEA-001": 2}, owner_id="")
    target = new_cart({"MUG-001": 1})
    handle(MergeCarts(source_cart_id=guest, target_cart_id=target), Context.system(meta))
    project()
    assert _activity("TEA-001").units_added == 2
