"""Units keep the price they were added at; lines of products no longer sold are marked."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from carts.domain import errors
from carts.domain.cart import Cart
from carts.domain.events import (
    CartMergedFrom,
    ChargedLine,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    LineRepriced,
    MergedLine,
    PricedUnits,
)
from carts.domain.values import PriceTier
from tests.carts.domain.test_cart import CART, MUG, added, given
from tests.checkout_details import DETAILS, ORDER_NUMBER

EARL = replace(MUG, sku="TEA-EAR", name="Earl Grey", unit_price=Decimal("7.90"))
EARL_NOW = replace(EARL, unit_price=Decimal("12.00"))
EARL_RETIRED = replace(EARL, active=False)


def repriced_earl() -> Cart:
    """2 x TEA-EAR added at 7.90, then 1 more after staff set the price to 12.00."""
    cart = given(added(EARL, 2))
    cart.add_item(EARL_NOW, 1)
    return cart


def test_units_added_after_a_price_change_keep_each_their_own_price():
    cart = repriced_earl()

    line = cart.lines["TEA-EAR"]
    assert line.tiers == (PriceTier(Decimal("7.90"), 2), PriceTier(Decimal("12.00"), 1))
    assert (line.quantity, line.total, cart.total) == (3, Decimal("27.80"), Decimal("27.80"))


def test_checkout_without_accepting_the_new_price_charges_each_unit_its_own_price():
    cart = repriced_earl()

    cart.check_out({"TEA-EAR": EARL_NOW}, order_number=ORDER_NUMBER, details=DETAILS)

    [*_, checked_out] = cart.pending_events()
    assert checked_out.lines == (
        ChargedLine("TEA-EAR", "Earl Grey", Decimal("7.90"), 2, Decimal("15.80")),
        ChargedLine("TEA-EAR", "Earl Grey", Decimal("12.00"), 1, Decimal("12.00")),
    )
    assert checked_out.total == Decimal("27.80")


def test_accepting_the_catalog_price_reprices_every_unit_of_the_line():
    cart = repriced_earl()
    cart.provide_checkout_details(DETAILS)

    cart.reprice_line("TEA-EAR", Decimal("12.00"), offer=EARL_NOW)
    cart.check_out({"TEA-EAR": EARL_NOW}, order_number=ORDER_NUMBER, details=DETAILS)

    repriced, checked_out = cart.pending_events()[-2:]
    assert repriced == LineRepriced(
        sku="TEA-EAR",
        unit_price=Decimal("12.00"),
        quantity=3,
        previous=(PricedUnits(Decimal("7.90"), 2), PricedUnits(Decimal("12.00"), 1)),
    )
    assert checked_out.total == Decimal("36.00")


def test_a_lower_catalog_price_can_be_accepted_too():
    cart = given(added(EARL_NOW, 2))

    cart.reprice_line("TEA-EAR", Decimal("7.90"), offer=EARL)

    assert cart.total == Decimal("15.80")


def test_accepting_a_price_the_catalog_no_longer_asks_is_refused():
    cart = given(added(EARL, 2))

    with pytest.raises(errors.PriceChanged, match=r"now costs 12\.00, not 9\.00"):
        cart.reprice_line("TEA-EAR", Decimal("9.00"), offer=EARL_NOW)

    assert cart.pending_events() == []


def test_accepting_the_price_a_line_already_has_records_nothing():
    cart = given(added(EARL, 2))

    cart.reprice_line("TEA-EAR", Decimal("7.90"), offer=EARL)

    assert cart.pending_events() == []


def test_raising_a_quantity_prices_the_added_units_as_the_catalog_offers_them():
    cart = given(added(EARL, 2))

    cart.change_quantity("TEA-EAR", 4, offer=EARL_NOW)

    assert cart.pending_events() == [
        ItemQuantityChanged(
            sku="TEA-EAR", quantity=4, previous_quantity=2, unit_price=Decimal("12.00")
        )
    ]
    assert cart.total == Decimal("39.80")


def test_lowering_a_quantity_takes_out_the_units_added_last():
    cart = given(added(EARL, 2), added(EARL_NOW, 2))

    cart.change_quantity("TEA-EAR", 3, offer=EARL_NOW)
    assert cart.total == Decimal("27.80")
    cart.change_quantity("TEA-EAR", 1, offer=EARL_NOW)
    assert cart.lines["TEA-EAR"].tiers == (PriceTier(Decimal("7.90"), 1),)
    assert cart.total == Decimal("7.90")


def test_item_added_events_of_the_old_meaning_still_reprice_the_whole_line():
    old = replace(added(EARL_NOW, 1), reprices_line=True)

    cart = given(replace(added(EARL, 2), reprices_line=True), old)

    assert cart.total == Decimal("36.00")


def test_merged_units_keep_their_price_unless_the_merge_is_of_the_old_meaning():
    guest = MergedLine("TEA-EAR", "Earl Grey", Decimal("12.00"), "EUR", 1)
    new = CartMergedFrom(source_cart_id=CART, lines=(guest,))

    assert given(added(EARL, 2), new).total == Decimal("27.80")
    assert given(added(EARL, 2), replace(new, reprices_lines=True)).total == Decimal("36.00")


def test_a_line_with_units_at_several_prices_survives_a_snapshot():
    cart = repriced_earl()

    restored = Cart.from_snapshot(CART, cart.to_snapshot())

    assert restored.lines == cart.lines
    assert restored.total == Decimal("27.80")


# --- products no longer sold --------------------------------------------------------------


@pytest.mark.parametrize("listed", [EARL_RETIRED, None], ids=["inactive", "delisted"])
def test_the_quantity_of_a_line_no_longer_sold_cannot_be_raised(listed):
    cart = given(added(EARL, 2))

    with pytest.raises(errors.ProductInactive, match="cannot be raised"):
        cart.change_quantity("TEA-EAR", 3, offer=listed)

    assert cart.pending_events() == []


@pytest.mark.parametrize("listed", [EARL_RETIRED, None], ids=["inactive", "delisted"])
def test_a_line_no_longer_sold_can_be_lowered_and_removed(listed):
    cart = given(added(EARL, 3))

    cart.change_quantity("TEA-EAR", 1, offer=listed)
    cart.remove_item("TEA-EAR")

    assert [type(event) for event in cart.pending_events()] == [
        ItemQuantityChanged,
        ItemRemoved,
    ]
    assert cart.lines == {}


def test_the_price_of_a_line_no_longer_sold_cannot_be_updated():
    cart = given(added(EARL, 2))

    with pytest.raises(errors.ProductInactive, match="price cannot be updated"):
        cart.reprice_line("TEA-EAR", Decimal("7.90"), offer=EARL_RETIRED)

    assert cart.pending_events() == []


def test_checkout_is_refused_naming_every_line_no_longer_sold():
    cart = given(added(EARL, 2), added(MUG, 1), added(replace(MUG, sku="GONE", name="Old pot")))

    with pytest.raises(errors.LinesUnavailable) as refused:
        cart.check_out(
            {"TEA-EAR": EARL_RETIRED, "MUG": MUG}, order_number=ORDER_NUMBER, details=DETAILS
        )

    assert refused.value.message == (
        "no longer sold: Earl Grey (TEA-EAR), Old pot (GONE); remove these lines, then check out"
    )
    assert cart.pending_events() == []
    assert [line.sku for line in cart.unavailable_lines({"MUG": MUG})] == ["TEA-EAR", "GONE"]


def test_a_cart_added_to_when_every_unit_had_one_price_is_unchanged():
    cart = given(added(EARL, 2), ItemAdded("TEA-EAR", "Earl Grey", Decimal("7.90"), "EUR", 1))

    assert cart.lines["TEA-EAR"].earlier == ()
    assert cart.total == Decimal("23.70")
