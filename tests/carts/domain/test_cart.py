"""The Cart aggregate's rules, as given (past events) / when (a command) / then (new events)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from decimal import Decimal

import pytest

from carts.domain import errors
from carts.domain.cart import Cart, Discount, ProductOffer
from carts.domain.events import (
    CartAbandoned,
    CartCheckedOut,
    CartCreated,
    CartMergedInto,
    ChargedLine,
    CheckoutDetailsProvided,
    DiscountApplied,
    DiscountRemoved,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
)
from tests.checkout_details import DETAILS, ORDER_NUMBER

CART = uuid.UUID("00000000-0000-0000-0000-000000000001")
TEA = ProductOffer(sku="TEA", name="Green tea", unit_price=Decimal("4.50"), currency="EUR")
MUG = ProductOffer(sku="MUG", name="Mug", unit_price=Decimal("12.00"), currency="EUR")
CATALOG = {offer.sku: offer for offer in (TEA, MUG)}


def created() -> CartCreated:
    return CartCreated(cart_id=CART, owner_id="user:1")


def added(offer: ProductOffer = TEA, quantity: int = 1) -> ItemAdded:
    return ItemAdded(
        sku=offer.sku,
        name=offer.name,
        unit_price=offer.unit_price,
        currency=offer.currency,
        quantity=quantity,
    )


def given(*events: object) -> Cart:
    return Cart.replay(CART, [created(), *events])


def test_creating_a_cart_records_cart_created():
    cart = Cart.create(CART, owner_id="user:1")

    assert cart.pending_events() == [created()]
    assert cart.version == 1
    assert cart.is_open


def test_adding_an_item_records_the_price_offered():
    cart = given()

    cart.add_item(TEA, 2)

    assert cart.pending_events() == [added(TEA, 2)]
    assert cart.subtotal == Decimal("9.00")


def test_adding_a_sku_already_in_the_cart_merges_into_its_line():
    cart = given(added(TEA, 2))

    cart.add_item(TEA, 3)

    assert cart.line_count == 1
    assert cart.lines["TEA"].quantity == 5


@pytest.mark.parametrize("quantity", [0, -1, 100, True, 2.5])
def test_cannot_add_a_quantity_outside_one_to_ninety_nine(quantity):
    cart = given()

    with pytest.raises(errors.QuantityOutOfRange, match="from 1 to 99"):
        cart.add_item(TEA, quantity)

    assert cart.pending_events() == []


def test_cannot_merge_a_line_past_ninety_nine_units():
    cart = given(added(TEA, 98))

    with pytest.raises(errors.QuantityOutOfRange, match="already holds 98"):
        cart.add_item(TEA, 2)

    assert cart.pending_events() == []


def test_cannot_add_an_inactive_product():
    cart = given()
    retired = ProductOffer(
        sku="OLD", name="Old", unit_price=Decimal("1"), currency="EUR", active=False
    )

    with pytest.raises(errors.ProductInactive):
        cart.add_item(retired, 1)

    assert cart.pending_events() == []


def test_cannot_mix_currencies_in_one_cart():
    cart = given(added(TEA))
    dollars = ProductOffer(sku="USD", name="Spoon", unit_price=Decimal("3"), currency="USD")

    with pytest.raises(errors.CurrencyMismatch, match="one currency"):
        cart.add_item(dollars, 1)

    assert cart.pending_events() == []


def test_an_emptied_cart_accepts_another_currency():
    cart = given(added(TEA), ItemRemoved(sku="TEA", quantity=1))
    dollars = ProductOffer(sku="USD", name="Spoon", unit_price=Decimal("3"), currency="USD")

    cart.add_item(dollars, 1)

    assert cart.currency == "USD"


def test_cannot_hold_more_than_fifty_lines():
    offers = [
        ProductOffer(sku=f"P{n}", name=f"P{n}", unit_price=Decimal("1"), currency="EUR")
        for n in range(51)
    ]
    cart = given(*(added(offer) for offer in offers[:50]))

    with pytest.raises(errors.TooManyLines, match="at most 50"):
        cart.add_item(offers[50], 1)

    assert cart.pending_events() == []


def test_changing_a_quantity_records_old_and_new():
    cart = given(added(TEA, 2))

    cart.change_quantity("TEA", 5, offer=TEA)

    assert cart.pending_events() == [
        ItemQuantityChanged(sku="TEA", quantity=5, previous_quantity=2, unit_price=Decimal("4.50"))
    ]


def test_changing_to_the_same_quantity_records_nothing():
    cart = given(added(TEA, 2))

    cart.change_quantity("TEA", 2, offer=TEA)

    assert cart.pending_events() == []


def test_cannot_change_the_quantity_of_a_line_not_in_the_cart():
    with pytest.raises(errors.LineNotInCart, match="MUG is not in the cart"):
        given(added(TEA)).change_quantity("MUG", 1, offer=MUG)


def test_cannot_change_a_quantity_to_zero():
    with pytest.raises(errors.QuantityOutOfRange, match="remove the item"):
        given(added(TEA)).change_quantity("TEA", 0, offer=TEA)


def test_removing_an_item_records_how_many_units_left():
    cart = given(added(TEA, 3))

    cart.remove_item("TEA")

    assert cart.pending_events() == [ItemRemoved(sku="TEA", quantity=3)]
    assert cart.lines == {}


def test_a_percent_discount_is_taken_off_the_subtotal():
    cart = given(added(TEA, 2), added(MUG))

    cart.apply_discount(Discount(code="TEN", kind="percent", value=Decimal("10")))

    assert cart.subtotal == Decimal("21.00")
    assert cart.discount_amount == Decimal("2.10")
    assert cart.total == Decimal("18.90")


@pytest.mark.parametrize("code", ["BIG", "GOODWILL"])
def test_an_amount_off_larger_than_the_payable_total_is_refused_naming_the_maximum(code):
    cart = given(added(TEA, 2))

    with pytest.raises(errors.DiscountExceedsTotal, match=r"at most 9\.00 EUR") as refused:
        cart.apply_discount(
            Discount(code=code, kind="amount", value=Decimal("9.01"), currency="EUR")
        )

    assert refused.value.kind == "unprocessable"
    assert cart.pending_events() == []
    assert cart.discount is None


def test_an_amount_off_equal_to_the_payable_total_is_accepted():
    cart = given(added(TEA, 2))

    cart.apply_discount(Discount(code="ALL", kind="amount", value=Decimal("9.00"), currency="EUR"))

    assert cart.total == Decimal("0.00")


def test_an_amount_off_on_an_empty_cart_is_refused():
    with pytest.raises(errors.DiscountExceedsTotal, match=r"at most 0\.00 EUR"):
        given().apply_discount(
            Discount(code="FIVE", kind="amount", value=Decimal("5"), currency="EUR")
        )


def test_an_amount_discount_never_makes_the_total_negative_when_lines_go_afterwards():
    cart = given(
        added(TEA, 2),
        DiscountApplied(code="F", kind="amount", value=Decimal("9.00"), currency="EUR"),
        ItemQuantityChanged(sku="TEA", quantity=1, previous_quantity=2),
    )

    assert cart.total == Decimal("0.00")


def test_only_one_discount_at_a_time():
    cart = given(added(TEA), DiscountApplied(code="TEN", kind="percent", value=Decimal("10")))

    with pytest.raises(errors.DiscountAlreadyApplied, match="remove it first"):
        cart.apply_discount(Discount(code="FIVE", kind="percent", value=Decimal("5")))

    assert cart.pending_events() == []


@pytest.mark.parametrize(
    "discount",
    [
        Discount(code="X", kind="percent", value=Decimal("0")),
        Discount(code="X", kind="percent", value=Decimal("101")),
        Discount(code="X", kind="amount", value=Decimal("-1"), currency="EUR"),
        Discount(code="X", kind="bogus", value=Decimal("5")),
    ],
)
def test_invalid_discounts_are_refused(discount):
    cart = given(added(TEA))

    with pytest.raises(errors.InvalidDiscount):
        cart.apply_discount(discount)

    assert cart.pending_events() == []


def test_an_amount_discount_in_another_currency_is_refused():
    with pytest.raises(errors.CurrencyMismatch):
        given(added(TEA)).apply_discount(
            Discount(code="X", kind="amount", value=Decimal("5"), currency="USD")
        )


def test_removing_the_discount():
    cart = given(added(TEA), DiscountApplied(code="TEN", kind="percent", value=Decimal("10")))

    cart.remove_discount()

    assert cart.pending_events() == [DiscountRemoved(code="TEN")]
    assert cart.total == Decimal("4.50")


def test_cannot_remove_a_discount_that_is_not_there():
    with pytest.raises(errors.NoDiscount):
        given(added(TEA)).remove_discount()


def test_checking_out_records_lines_and_totals_as_charged():
    cart = given(
        added(TEA, 2), added(MUG), DiscountApplied(code="TEN", kind="percent", value=Decimal("10"))
    )

    cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)

    assert cart.pending_events() == [
        CheckoutDetailsProvided(**asdict(DETAILS)),
        CartCheckedOut(
            lines=(
                ChargedLine("TEA", "Green tea", Decimal("4.50"), 2, Decimal("9.00")),
                ChargedLine("MUG", "Mug", Decimal("12.00"), 1, Decimal("12.00")),
            ),
            subtotal=Decimal("21.00"),
            discount=Decimal("2.10"),
            total=Decimal("18.90"),
            currency="EUR",
            order_number=ORDER_NUMBER,
        ),
    ]
    assert cart.status == "checked_out"
    assert (cart.order_number, cart.details) == (ORDER_NUMBER, DETAILS)


def test_cannot_check_out_an_empty_cart():
    cart = given()

    with pytest.raises(errors.EmptyCart, match="add an item first"):
        cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)

    assert cart.pending_events() == []


@pytest.mark.parametrize(
    "closing", [CartAbandoned(reason="idle"), CartMergedInto(target_cart_id=CART)]
)
@pytest.mark.parametrize(
    "command",
    [
        lambda cart: cart.add_item(TEA, 1),
        lambda cart: cart.change_quantity("TEA", 2, offer=TEA),
        lambda cart: cart.remove_item("TEA"),
        lambda cart: cart.apply_discount(Discount(code="T", kind="percent", value=Decimal("5"))),
        lambda cart: cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS),
        lambda cart: cart.abandon("again"),
    ],
)
def test_a_closed_cart_refuses_every_change(closing, command):
    cart = given(added(TEA), closing)

    with pytest.raises(errors.CartNotOpen, match="only open carts change"):
        command(cart)

    assert cart.pending_events() == []


def test_cannot_add_item_to_checked_out_cart():
    cart = given(added(TEA))
    cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)
    cart.mark_stored()

    with pytest.raises(errors.CartNotOpen, match="checked out"):
        cart.add_item(MUG, 1)

    assert cart.pending_events() == []


def test_abandoning_records_the_reason():
    cart = given(added(TEA))

    cart.abandon("idle for 24 hours")

    assert cart.pending_events() == [CartAbandoned(reason="idle for 24 hours")]


def test_an_abandon_reason_is_recorded_with_its_spaces_tidied():
    cart = given(added(TEA))

    cart.abandon("  customer   asked ")

    assert cart.pending_events() == [CartAbandoned(reason="customer asked")]


# One of each kind a permanent record must not hold: a control (C0, C1, and those Python counts
# as spaces), a line break, a format character (direction override, zero-width space, BOM), a
# private-use one and an unassigned one.
HIDDEN = ["\x07", "\x1b", "\x1f", "\x85", "\n", "\t"]
HIDDEN += ["\u202e", "\u200b", "\ufeff", "\ue000", "\U000e0fff"]


@pytest.mark.parametrize("char", HIDDEN)
def test_an_abandon_reason_must_be_plain_text(char):
    cart = given(added(TEA))

    with pytest.raises(errors.InvalidReason, match="control or invisible characters"):
        cart.abandon(f"idle{char}cart")

    assert cart.pending_events() == []


def test_an_abandon_reason_has_at_most_200_characters():
    cart = given(added(TEA))

    cart.abandon("x" * 200)
    with pytest.raises(errors.InvalidReason, match="longer than 200 characters"):
        given(added(TEA)).abandon("x" * 201)


def test_a_snapshot_restores_the_same_cart():
    cart = given(
        added(TEA, 2),
        added(MUG),
        DiscountApplied(code="F", kind="amount", value=Decimal("5"), currency="EUR"),
    )

    restored = Cart.from_snapshot(CART, cart.to_snapshot())

    assert restored.to_snapshot() == cart.to_snapshot()
    assert (restored.version, restored.total, restored.currency) == (4, Decimal("16.00"), "EUR")
