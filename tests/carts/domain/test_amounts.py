"""The range of every amount: no command takes a cart's money beyond MAX_AMOUNT."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from carts.domain import errors
from carts.domain.cart import Cart
from carts.domain.events import CartCheckedOut, CartMergedInto, ItemAdded, MergedLine
from carts.domain.money import MAX_AMOUNT, to_amount
from carts.domain.values import Discount, ProductOffer
from tests.checkout_details import DETAILS, ORDER_NUMBER

TOP = ProductOffer(sku="TOP", name="Most expensive", unit_price=MAX_AMOUNT, currency="EUR")
ALSO_TOP = ProductOffer(sku="TOP2", name="Also expensive", unit_price=MAX_AMOUNT, currency="EUR")


def empty_cart() -> Cart:
    cart = Cart.create(uuid.uuid4(), owner_id="user:1")
    cart.mark_stored()
    return cart


def test_a_second_unit_at_the_highest_price_is_refused_and_records_nothing():
    cart = empty_cart()
    cart.add_item(TOP, 1)
    cart.mark_stored()
    with pytest.raises(errors.AmountOutOfRange, match=r"99,999,999\.99") as refused:
        cart.add_item(TOP, 1)
    assert refused.value.code == "amount_out_of_range"
    assert cart.pending_events() == []
    assert cart.lines["TOP"].quantity == 1


def test_99_and_2_units_at_the_highest_price_are_refused_on_every_path():
    cart = empty_cart()
    for command in (
        lambda c: c.add_item(TOP, 99),
        lambda c: c.add_item(ALSO_TOP, 2),
    ):
        with pytest.raises(errors.AmountOutOfRange):
            command(cart)
    cart.add_item(TOP, 1)
    cart.mark_stored()
    with pytest.raises(errors.AmountOutOfRange, match="the line TOP"):
        cart.change_quantity("TOP", 99, offer=TOP)
    with pytest.raises(errors.AmountOutOfRange, match="subtotal"):
        cart.add_item(ALSO_TOP, 1)
    assert cart.pending_events() == []


def test_lowering_a_quantity_is_allowed_whatever_the_amounts():
    cart = Cart.replay(uuid.uuid4(), [_legacy_add("OLD", MAX_AMOUNT, 99)])
    cart.change_quantity("OLD", 1, offer=None)
    assert cart.subtotal == MAX_AMOUNT


def test_a_cart_stored_beyond_the_range_is_never_charged_so():
    # Carts recorded before amounts were bounded are read as they are, but checkout refuses.
    cart = Cart.replay(uuid.uuid4(), [_legacy_add("OLD", MAX_AMOUNT, 99)])
    assert cart.subtotal == MAX_AMOUNT * 99
    with pytest.raises(errors.AmountOutOfRange):
        cart.check_out(
            {"OLD": ProductOffer(sku="OLD", name="OLD", unit_price=MAX_AMOUNT, currency="EUR")},
            order_number=ORDER_NUMBER,
            details=DETAILS,
        )
    assert cart.pending_events() == []


def test_a_price_beyond_the_range_is_refused_even_for_one_unit():
    huge = ProductOffer(sku="HUGE", name="Huge", unit_price=Decimal("1e40"), currency="EUR")
    with pytest.raises(errors.AmountOutOfRange, match="an amount"):
        empty_cart().add_item(huge, 1)


@pytest.mark.parametrize("value", ["100000000.00", "1e30", "9" * 40])
def test_an_amount_discount_beyond_the_range_is_refused(value):
    cart = empty_cart()
    goodwill = Discount(code="GOODWILL", kind="amount", value=Decimal(value), currency="EUR")
    with pytest.raises(errors.AmountOutOfRange):
        cart.apply_discount(goodwill)
    assert cart.pending_events() == []


def test_a_merge_takes_only_the_units_that_keep_the_cart_within_the_range():
    cart = empty_cart()
    cart.add_item(TOP, 1)
    cheap = MergedLine(sku="C", name="C", unit_price=Decimal("0.01"), currency="EUR", quantity=5)
    top = MergedLine(sku="TOP2", name="T", unit_price=MAX_AMOUNT, currency="EUR", quantity=3)
    given = CartMergedInto(target_cart_id=cart.id, lines=(top, cheap))

    taken = cart.merge_from(uuid.uuid4(), given)

    assert taken.lines == ()
    assert {(left.sku, left.quantity, left.reason) for left in taken.left} == {
        ("TOP2", 3, "amount_limit"),
        ("C", 5, "amount_limit"),
    }
    assert cart.subtotal == MAX_AMOUNT


def test_amounts_up_to_the_maximum_are_rounded_and_beyond_it_refused():
    assert to_amount(MAX_AMOUNT) == MAX_AMOUNT
    assert to_amount("-99999999.99") == -MAX_AMOUNT
    with pytest.raises(errors.AmountOutOfRange):
        to_amount("99999999.999")


def _legacy_add(sku: str, price: Decimal, quantity: int) -> ItemAdded:
    return ItemAdded(sku=sku, name=sku, unit_price=price, currency="EUR", quantity=quantity)


# --- properties: extreme prices and quantities ---------------------------------------------------

PRICES = st.one_of(
    st.sampled_from(
        [Decimal("0.00"), Decimal("0.01"), MAX_AMOUNT, MAX_AMOUNT / 99, MAX_AMOUNT / 2]
    ),
    st.decimals(min_value=0, max_value=MAX_AMOUNT * 2, places=2),
)
OFFERS = st.builds(
    ProductOffer,
    sku=st.sampled_from(["A", "B", "C"]),
    name=st.just("extreme"),
    unit_price=PRICES,
    currency=st.just("EUR"),
)


class ExtremeCart(RuleBasedStateMachine):
    """Drives a cart with prices and quantities at and beyond the limits."""

    def __init__(self) -> None:
        super().__init__()
        self.cart = Cart.create(uuid.uuid4(), owner_id="user:1")
        self.history = self.cart.pending_events()
        self.cart.mark_stored()
        self.offers: dict[str, ProductOffer] = {}  # the catalog as last offered, by SKU

    def _attempt(self, command) -> None:  # type: ignore[no-untyped-def]
        try:
            command(self.cart)
        except errors.CartError:
            assert self.cart.pending_events() == []
        self.history.extend(self.cart.pending_events())
        self.cart.mark_stored()

    @rule(offer=OFFERS, quantity=st.sampled_from([1, 2, 50, 98, 99]))
    def add_item(self, offer, quantity):  # type: ignore[no-untyped-def]
        self.offers[offer.sku] = offer
        self._attempt(lambda cart: cart.add_item(offer, quantity))

    @rule(sku=st.sampled_from(["A", "B", "C"]), quantity=st.sampled_from([1, 2, 99]))
    def change_quantity(self, sku, quantity):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.change_quantity(sku, quantity, offer=self.offers.get(sku)))

    @rule(value=PRICES, kind=st.sampled_from(["amount", "percent"]))
    def apply_discount(self, value, kind):  # type: ignore[no-untyped-def]
        discount = Discount(code="X", kind=kind, value=value, currency="EUR")
        self._attempt(lambda cart: cart.apply_discount(discount))

    @rule()
    def remove_discount(self):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.remove_discount())

    @rule()
    def check_out(self):  # type: ignore[no-untyped-def]
        self._attempt(
            lambda cart: cart.check_out(self.offers, order_number=ORDER_NUMBER, details=DETAILS)
        )

    @invariant()
    def every_amount_is_within_the_range(self):  # type: ignore[no-untyped-def]
        cart = self.cart
        amounts = [cart.subtotal, cart.discount_amount, cart.total]
        amounts += [line.unit_price for line in cart.lines.values()]
        amounts += [line.total for line in cart.lines.values()]
        if cart.discount is not None:
            amounts.append(cart.discount.value)
        assert all(Decimal(0) <= amount <= MAX_AMOUNT for amount in amounts)
        for event in self.history:
            if isinstance(event, CartCheckedOut):
                assert event.total <= event.subtotal <= MAX_AMOUNT

    @invariant()
    def replay_gives_the_same_totals(self):  # type: ignore[no-untyped-def]
        replayed = Cart.replay(self.cart.id, self.history)
        assert replayed.total == self.cart.total


ExtremeCart.TestCase.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)
test_extreme_prices_and_quantities_never_take_an_amount_beyond_the_range = ExtremeCart.TestCase


@settings(max_examples=60, deadline=None)
@given(first=PRICES, second=PRICES, q1=st.integers(1, 99), q2=st.integers(1, 99))
def test_two_lines_are_either_added_within_the_range_or_refused(first, second, q1, q2):
    cart = empty_cart()
    for sku, price, quantity in (("A", first, q1), ("B", second, q2)):
        offer = ProductOffer(sku=sku, name=sku, unit_price=price, currency="EUR")
        try:
            cart.add_item(offer, quantity)
        except errors.AmountOutOfRange:
            assert price > MAX_AMOUNT or to_amount(price) * quantity + cart.subtotal > MAX_AMOUNT
    assert cart.subtotal <= MAX_AMOUNT


# --- currencies a cart may be opened in ----------------------------------------------------------


@pytest.mark.parametrize("code", ["usd", "US", "EURO", "€", "E1R", " EUR"])
def test_a_malformed_currency_is_refused_as_invalid_whatever_is_sold(code):
    with pytest.raises(errors.InvalidCurrency, match="ISO 4217") as refused:
        Cart.create(uuid.uuid4(), currency=code, sold_currencies={"EUR", "USD"})
    assert refused.value.kind == "bad_request"


@pytest.mark.parametrize("code", ["XYZ", "USD"])
def test_a_currency_nothing_is_priced_in_is_refused_naming_what_is_sold(code):
    with pytest.raises(errors.CurrencyNotSold, match=r"\(EUR\)") as refused:
        Cart.create(uuid.uuid4(), currency=code, sold_currencies={"EUR"})
    assert refused.value.code == "currency_not_sold"


def test_a_cart_opens_in_a_sold_currency_or_without_one():
    assert Cart.create(uuid.uuid4(), currency="EUR", sold_currencies={"EUR"}).currency == "EUR"
    assert Cart.create(uuid.uuid4()).currency == ""
