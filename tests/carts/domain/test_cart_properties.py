"""Random command sequences: whatever happens, replay agrees with the live cart."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from carts.domain import errors
from carts.domain.cart import Cart, Discount, ProductOffer
from tests.checkout_details import DETAILS, ORDER_NUMBER

OFFERS = [
    ProductOffer(
        sku=f"SKU{n}", name=f"Product {n}", unit_price=Decimal(price), currency=cur, active=active
    )
    for n, (price, cur, active) in enumerate(
        [
            ("4.50", "EUR", True),
            ("12.00", "EUR", True),
            ("0.99", "EUR", True),
            ("30.00", "EUR", False),
            ("3.00", "USD", True),
        ]
    )
]
SKUS = [offer.sku for offer in OFFERS]
DISCOUNTS = [
    Discount(code="TEN", kind="percent", value=Decimal("10")),
    Discount(code="FIVE", kind="amount", value=Decimal("5"), currency="EUR"),
    Discount(code="ALL", kind="percent", value=Decimal("100")),
]


class CartMachine(RuleBasedStateMachine):
    """Drives one cart with random commands, refused ones included."""

    def __init__(self) -> None:
        super().__init__()
        self.cart = Cart.create(uuid.uuid4(), owner_id="user:1")
        # The catalog as it stands now; staff may change prices between commands.
        self.catalog = {offer.sku: offer for offer in OFFERS}
        self.history = self.cart.pending_events()
        self.cart.mark_stored()

    def _attempt(self, command) -> None:  # type: ignore[no-untyped-def]
        version_before = self.cart.version
        try:
            command(self.cart)
        except errors.CartError:
            assert self.cart.pending_events() == []
            assert self.cart.version == version_before
        new = self.cart.pending_events()
        assert self.cart.version == version_before + len(new)
        self.history.extend(new)
        self.cart.mark_stored()

    @rule(sku=st.sampled_from(SKUS), quantity=st.integers(min_value=-2, max_value=101))
    def add_item(self, sku, quantity):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.add_item(self.catalog[sku], quantity))

    @rule(sku=st.sampled_from(SKUS), quantity=st.integers(min_value=-1, max_value=100))
    def change_quantity(self, sku, quantity):  # type: ignore[no-untyped-def]
        offer = self.catalog[sku]
        self._attempt(lambda cart: cart.change_quantity(sku, quantity, offer=offer))

    @rule(sku=st.sampled_from(SKUS), price=st.sampled_from(["0.99", "4.50", "7.90", "12.00"]))
    def staff_change_the_price(self, sku, price):  # type: ignore[no-untyped-def]
        self.catalog[sku] = replace(self.catalog[sku], unit_price=Decimal(price))

    @rule(sku=st.sampled_from(SKUS))
    def accept_the_catalog_price(self, sku):  # type: ignore[no-untyped-def]
        offer = self.catalog[sku]
        self._attempt(lambda cart: cart.reprice_line(sku, offer.unit_price, offer=offer))

    @rule(sku=st.sampled_from(SKUS))
    def remove_item(self, sku):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.remove_item(sku))

    @rule(discount=st.sampled_from(DISCOUNTS))
    def apply_discount(self, discount):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.apply_discount(discount))

    @rule()
    def remove_discount(self):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.remove_discount())

    @rule()
    def check_out(self):  # type: ignore[no-untyped-def]
        self._attempt(
            lambda cart: cart.check_out(self.catalog, order_number=ORDER_NUMBER, details=DETAILS)
        )

    @rule()
    def abandon(self):  # type: ignore[no-untyped-def]
        self._attempt(lambda cart: cart.abandon("test"))

    @invariant()
    def replay_gives_the_same_cart(self):  # type: ignore[no-untyped-def]
        replayed = Cart.replay(self.cart.id, self.history)
        assert replayed.to_snapshot() == self.cart.to_snapshot()
        assert replayed.total == self.cart.total
        restored = Cart.from_snapshot(self.cart.id, self.cart.to_snapshot())
        assert restored.to_snapshot() == self.cart.to_snapshot()
        assert restored.total == self.cart.total

    @invariant()
    def versions_are_contiguous(self):  # type: ignore[no-untyped-def]
        assert self.cart.version == len(self.history)

    @invariant()
    def totals_equal_the_sum_of_the_lines(self):  # type: ignore[no-untyped-def]
        lines = self.cart.lines.values()
        expected = sum(
            (tier.unit_price * tier.quantity for line in lines for tier in line.tiers), Decimal(0)
        )
        assert self.cart.subtotal == expected
        assert all(tier.quantity > 0 for line in lines for tier in line.tiers)
        assert all(sum(t.quantity for t in line.tiers) == line.quantity for line in lines)
        assert Decimal(0) <= self.cart.discount_amount <= self.cart.subtotal
        assert self.cart.total == self.cart.subtotal - self.cart.discount_amount

    @invariant()
    def lines_keep_to_the_limits(self):  # type: ignore[no-untyped-def]
        assert len(self.cart.lines) <= 50
        assert all(1 <= line.quantity <= 99 for line in self.cart.lines.values())
        assert len({self.cart.currency} - {""}) <= 1


CartMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
test_random_command_sequences_keep_the_cart_consistent = CartMachine.TestCase
