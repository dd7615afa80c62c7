"""Merging a guest cart at log-in: what moves, what stays and why, recorded in both carts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carts.domain import errors
from carts.domain.cart import Cart, Discount, ProductOffer
from carts.domain.events import (
    CartCheckedOut,
    CartCreated,
    CartMergedFrom,
    CartMergedInto,
    DiscountApplied,
    ItemAdded,
    LeftLine,
    MergedDiscount,
    MergedLine,
)
from tests.checkout_details import DETAILS, ORDER_NUMBER

GUEST = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
SHOPPER = uuid.UUID("00000000-0000-0000-0000-0000000000b2")
TEA = ProductOffer(sku="TEA", name="Green tea", unit_price=Decimal("4.50"), currency="EUR")
MUG = ProductOffer(sku="MUG", name="Mug", unit_price=Decimal("12.00"), currency="EUR")
SPOON = ProductOffer(sku="SPOON", name="Spoon", unit_price=Decimal("3.00"), currency="USD")
CATALOG = {offer.sku: offer for offer in (TEA, MUG, SPOON)}
WELCOME10 = Discount(code="WELCOME10", kind="percent", value=Decimal("10"))
FIVEOFF = Discount(code="FIVEOFF", kind="amount", value=Decimal("5"), currency="EUR")


def added(offer: ProductOffer, quantity: int = 1) -> ItemAdded:
    return ItemAdded(offer.sku, offer.name, offer.unit_price, offer.currency, quantity)


def applied(discount: Discount) -> DiscountApplied:
    return DiscountApplied(discount.code, discount.kind, discount.value, discount.currency)


def guest(*events: object) -> Cart:
    return Cart.replay(GUEST, [CartCreated(cart_id=GUEST, owner_id="guest:g"), *events])


def shopper(*events: object) -> Cart:
    return Cart.replay(SHOPPER, [CartCreated(cart_id=SHOPPER, owner_id="user:1"), *events])


def merged(source: Cart, target: Cart, offered: Discount | None = None) -> CartMergedFrom:
    """Both halves, as the handler runs them: the guest gives, the shopper's cart takes."""
    gave = source.merge_into(target, offered)
    return target.merge_from(source.id, gave)


def test_everything_moves_and_the_guest_cart_closes():
    source, target = guest(added(TEA, 2)), shopper(added(MUG))

    taken = merged(source, target)

    tea = MergedLine("TEA", "Green tea", Decimal("4.50"), "EUR", 2)
    assert source.pending_events() == [CartMergedInto(SHOPPER, (tea,), (), None)]
    assert taken == CartMergedFrom(GUEST, (tea,), (), None)
    assert source.status == "merged"
    assert target.lines["TEA"].quantity == 2


def test_lines_move_up_to_the_limits_and_what_stays_is_recorded_on_both_sides():
    source = guest(added(TEA, 10), added(MUG))
    target = shopper(added(TEA, 95))

    taken = merged(source, target)

    assert [(line.sku, line.quantity) for line in taken.lines] == [("TEA", 4), ("MUG", 1)]
    assert taken.left == (LeftLine("TEA", "Green tea", 6, "quantity_limit"),)
    assert source.pending_events()[0].left == taken.left
    assert target.lines["TEA"].quantity == 99
    # The guest cart keeps what did not move, and stays open so it can still be bought.
    assert source.is_open
    assert {sku: line.quantity for sku, line in source.lines.items()} == {"TEA": 6}


def test_a_guest_cart_in_another_currency_gives_nothing_and_keeps_its_lines_open():
    source, target = guest(added(SPOON, 2)), shopper(added(TEA))

    taken = merged(source, target)

    assert taken.lines == ()
    assert taken.left == (LeftLine("SPOON", "Spoon", 2, "currency"),)
    assert source.is_open and source.lines["SPOON"].quantity == 2
    assert source.merged_into == SHOPPER
    assert target.lines.keys() == {"TEA"}
    assert [type(e) for e in target.pending_events()] == [CartMergedFrom]


def test_a_valid_discount_code_moves_with_the_lines():
    source, target = guest(added(TEA, 2), applied(WELCOME10)), shopper()

    taken = merged(source, target, offered=WELCOME10)

    assert taken.discount == MergedDiscount("WELCOME10", "percent", Decimal("10.00"), "")
    assert target.discount is not None and target.discount.code == "WELCOME10"
    assert target.total == Decimal("8.10")


@pytest.mark.parametrize(
    ("target_events", "offered", "reason"),
    [
        ([added(TEA), applied(FIVEOFF)], WELCOME10, "has_discount"),
        ([added(TEA)], None, "not_offered"),
        ([added(SPOON)], WELCOME10, "nothing_moved"),
    ],
    ids=["the shopper's cart has one", "no longer offered", "its lines stayed"],
)
def test_a_discount_that_cannot_move_is_recorded_with_the_reason(target_events, offered, reason):
    source, target = guest(added(TEA, 2), applied(WELCOME10)), shopper(*target_events)
    discount_before = target.discount

    taken = merged(source, target, offered=offered)

    assert taken.discount is not None and taken.discount.left_reason == reason
    assert source.pending_events()[0].discount.left_reason == reason
    assert target.discount == discount_before


def test_an_amount_discount_now_offered_in_another_currency_stays():
    source, target = guest(added(TEA), applied(FIVEOFF)), shopper()
    in_dollars = Discount(code="FIVEOFF", kind="amount", value=Decimal("5"), currency="USD")

    taken = merged(source, target, offered=in_dollars)

    assert [line.sku for line in taken.lines] == ["TEA"]
    assert taken.discount is not None and taken.discount.left_reason == "currency"
    assert target.discount is None


def test_what_the_shoppers_cart_can_no_longer_take_is_recorded_as_left():
    source, target = guest(added(TEA, 2)), shopper()

    gave = source.merge_into(target, None)
    target.add_item(SPOON, 1)  # the shopper's cart changed currency before it took the lines
    taken = target.merge_from(source.id, gave)

    assert taken.lines == ()
    assert taken.left == (LeftLine("TEA", "Green tea", 2, "currency"),)


def test_merging_into_a_closed_cart_is_refused_and_records_nothing():
    source = guest(added(TEA))
    target = shopper(added(MUG))
    target.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)

    with pytest.raises(errors.CartNotOpen):
        source.merge_into(target, None)

    assert source.pending_events() == []


def test_a_merge_recorded_before_left_lines_existed_still_closes_the_guest_cart():
    old = guest(added(TEA), CartMergedInto(target_cart_id=SHOPPER))

    assert old.status == "merged"
    assert old.lines["TEA"].quantity == 1


def test_a_checkout_is_recognised_as_the_one_right_after_its_version():
    cart = shopper(added(TEA))
    cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)
    bought = shopper(added(TEA), *cart.pending_events())

    # The checkout recorded the details too: one command, two events after version 2.
    assert bought.is_checkout_of(2)
    assert not bought.is_checkout_of(1)
    assert not shopper(added(TEA)).is_checkout_of(1)
    assert isinstance(cart.pending_events()[-1], CartCheckedOut)


GUEST_LINES = st.dictionaries(
    st.sampled_from(["TEA", "MUG", "POT"]), st.integers(min_value=1, max_value=99), min_size=1
)


@given(
    guest_lines=GUEST_LINES,
    shopper_lines=st.dictionaries(
        st.sampled_from(["TEA", "MUG", "KETTLE"]), st.integers(min_value=1, max_value=99)
    ),
    guest_currency=st.sampled_from(["EUR", "USD"]),
)
def test_every_guest_unit_either_moves_or_stays_in_the_guest_cart(
    guest_lines, shopper_lines, guest_currency
):
    def offer(sku: str, currency: str) -> ProductOffer:
        return ProductOffer(
            sku=sku, name=sku.title(), unit_price=Decimal("2.00"), currency=currency
        )

    source = guest(*(added(offer(sku, guest_currency), n) for sku, n in guest_lines.items()))
    target = shopper(*(added(offer(sku, "EUR"), n) for sku, n in shopper_lines.items()))

    taken = merged(source, target)

    kept = {sku: line.quantity for sku, line in source.lines.items()} if source.is_open else {}
    for sku, quantity in guest_lines.items():
        moved = sum(line.quantity for line in taken.lines if line.sku == sku)
        left = sum(line.quantity for line in taken.left if line.sku == sku)
        assert moved + left == quantity
        assert kept.get(sku, 0) == left
        if moved:
            assert target.lines[sku].quantity == shopper_lines.get(sku, 0) + moved
    assert source.is_open == bool(taken.left)
