"""What a shopper's history shows: every event type, every kind of actor, no staff-only field."""

from __future__ import annotations

from dataclasses import fields, replace
from decimal import Decimal
from uuid import UUID

import pytest

from carts.application import repository
from carts.application.commands import AddItem, CheckOut, CreateCart, GiveGoodwill
from carts.application.customer_history import (
    THE_SHOP,
    YOU,
    CustomerStep,
    customer_actor,
    customer_history,
    customer_summary,
)
from carts.application.handler import GOODWILL_CODE, Context, handle
from carts.application.timeline import CartView, cart_timeline
from carts.domain import events as ev
from carts.domain.cart import Cart
from eventstore import personal
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS, ORDER_NUMBER
from tests.eventstore.cart_event_examples import CART, EXAMPLES

OWNER = "user:7"
STAFF_NOTE = "customer asked by phone"
GUEST_CART = UUID("6f1c1f5e-0000-4000-8000-000000000002")


def _cart_with_assam() -> CartView:
    cart = Cart.replay(CART, EXAMPLES[:2])  # created, then 2 x Assam (TEA-001)
    return CartView.of(cart)


EMPTY = CartView.of(Cart(CART))
# Checkout details as they read once their person was forgotten (the country is not personal).
ERASED_DETAILS = replace(
    EXAMPLES[8],  # type: ignore[type-var]
    **dict.fromkeys(ev.CheckoutDetailsProvided.personal_fields, personal.ERASED),
)
PERSONAL = ("ada@example.com", "Ada", "Lovelace", "James", "SW1Y", "Flat 2", personal.ERASED)
WITH_ASSAM = _cart_with_assam()

# (event, the cart just before it, what the shopper reads): one row per event type, plus the
# staff-only variants (a goodwill discount, a reason written by staff).
SUMMARIES = [
    (ev.CartCreated(cart_id=CART, owner_id=OWNER, currency="EUR"), EMPTY, "Cart created"),
    (ev.CartCreated(cart_id=CART, owner_id="", currency=""), EMPTY, "Cart created"),
    (EXAMPLES[1], EMPTY, "Added 2 × Assam at 3.75 EUR"),
    (
        ev.ItemQuantityChanged(sku="TEA-001", quantity=5, previous_quantity=2),
        WITH_ASSAM,
        "Changed the quantity of Assam from 2 to 5",
    ),
    (
        ev.LineRepriced(
            sku="TEA-001",
            unit_price=Decimal("4.00"),
            quantity=2,
            previous=(ev.PricedUnits(Decimal("3.75"), 2),),
        ),
        WITH_ASSAM,
        "Updated Assam to the shop's new price: 2 × 4.00",
    ),
    (ev.ItemRemoved(sku="TEA-001", quantity=2), WITH_ASSAM, "Removed Assam (2 units)"),
    (ev.ItemRemoved(sku="TEA-001", quantity=1), WITH_ASSAM, "Removed Assam (1 unit)"),
    (EXAMPLES[6], WITH_ASSAM, "Applied discount FIVE (5.00 EUR off)"),
    (
        ev.DiscountApplied(
            code=GOODWILL_CODE, kind="amount", value=Decimal("3.00"), currency="EUR"
        ),
        WITH_ASSAM,
        "The shop gave a discount (3.00 EUR off)",
    ),
    (
        ev.DiscountApplied(code=GOODWILL_CODE, kind="percent", value=Decimal("15")),
        WITH_ASSAM,
        "The shop gave a discount (15% off)",
    ),
    (EXAMPLES[7], WITH_ASSAM, "Removed discount FIVE"),
    (ev.DiscountRemoved(code=GOODWILL_CODE), WITH_ASSAM, "The shop’s discount was taken off"),
    (EXAMPLES[8], WITH_ASSAM, "Checkout details given: delivery to London, United Kingdom"),
    (ERASED_DETAILS, WITH_ASSAM, "Checkout details given: delivery to United Kingdom"),
    (EXAMPLES[9], WITH_ASSAM, "Checked out, charged 21.87 EUR"),
    (
        replace(EXAMPLES[9], order_number=ORDER_NUMBER),  # type: ignore[type-var]
        WITH_ASSAM,
        f"Checked out as order {ORDER_NUMBER}, charged 21.87 EUR",
    ),
    (ev.CartAbandoned(reason=STAFF_NOTE), WITH_ASSAM, "Cart closed without checkout"),
    (EXAMPLES[10], WITH_ASSAM, "Cart closed without checkout"),
    (EXAMPLES[11], EMPTY, "Merged 1 line(s) from a guest cart"),
    (
        ev.CartMergedInto(target_cart_id=GUEST_CART),
        WITH_ASSAM,
        "Moved into your account’s cart when you logged in",
    ),
]


def test_every_event_type_has_a_customer_summary():
    assert {type(event) for event, _, _ in SUMMARIES} == {type(event) for event in EXAMPLES}


@pytest.mark.parametrize(
    ("event", "before", "expected"), SUMMARIES, ids=[type(e).__name__ for e, _, _ in SUMMARIES]
)
def test_each_event_reads_as_the_shopper_should_see_it(event, before, expected):
    summary = customer_summary(event, before)

    assert summary == expected
    for staff_only in (STAFF_NOTE, "idle for", GOODWILL_CODE, str(CART), str(GUEST_CART)):
        assert staff_only not in summary
    for value in PERSONAL:
        assert value not in summary
    assert type(event).__name__ not in summary


# (actor, source, what the shopper reads as who and how), for a cart owned by OWNER.
ACTORS = {
    "the owner in the shop": (OWNER, "ui", (YOU, "the shop")),
    "the owner through the API": (OWNER, "api", (YOU, "the API")),
    "the guest whose cart it is": ("guest:k3y", "ui", (YOU, "the shop")),
    "staff in the admin": ("user:1", "admin", (THE_SHOP, "")),
    "an operator through the API": ("user:2", "api", (THE_SHOP, "")),
    "an integration through the API": ("user:3", "api", (THE_SHOP, "")),
    "another shopper": ("user:8", "ui", (THE_SHOP, "")),
    "the system": ("system", "system", (THE_SHOP, "")),
    "an event without an actor": ("", "", (THE_SHOP, "")),
}


@pytest.mark.parametrize("kind", ACTORS)
def test_every_kind_of_actor_reads_as_you_or_the_shop(kind):
    actor, source, expected = ACTORS[kind]

    assert customer_actor({"actor": actor, "source": source}, {OWNER}) == expected


def test_a_guest_carts_own_guest_is_you_even_without_an_owner_id():
    assert customer_actor({"actor": "guest:k3y", "source": "ui"}, set()) == (YOU, "the shop")


def test_any_of_the_readers_own_identities_is_you_not_only_the_carts_owner():
    merged_as_account = {"actor": "user:9", "source": "ui"}
    assert customer_actor(merged_as_account, {"guest:k3y", "user:9"}) == (YOU, "the shop")
    assert customer_actor(merged_as_account, {"guest:k3y"}) == (THE_SHOP, "")


def test_a_customer_step_carries_no_staff_only_field():
    names = {field.name for field in fields(CustomerStep)}

    assert names == {
        "version",
        "recorded_at",
        "summary",
        "by",
        "via",
        "before",
        "after",
        "changes",
        "erased",
    }


@pytest.mark.django_db
def test_the_history_of_a_cart_is_told_step_by_step_with_the_shoppers_words(catalog, meta):
    own = Context.system(Metadata(actor=OWNER, source="ui"))
    staff = Context.system(Metadata(actor="user:1", source="admin"))
    cart_id = handle(CreateCart(owner_id=OWNER), own).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), own)
    handle(GiveGoodwill(cart_id=cart_id, kind="amount", value=Decimal("1"), currency="EUR"), staff)

    steps = customer_history(cart_timeline(cart_id))

    assert [(s.version, s.summary, s.by, s.via) for s in steps] == [
        (1, "Cart created", YOU, "the shop"),
        (2, "Added 2 × Green tea at 4.50 EUR", YOU, "the shop"),
        (3, "The shop gave a discount (1.00 EUR off)", THE_SHOP, ""),
    ]
    assert steps[2].totals_changed and steps[2].after.total == Decimal("8.00")


@pytest.mark.django_db
def test_checkout_details_read_as_where_the_order_goes_and_as_erased_once_forgotten(catalog):
    own = Context.system(Metadata(actor="guest:history-erased", source="ui"))
    cart_id = handle(CreateCart(owner_id="guest:history-erased"), own).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), own)
    number = handle(CheckOut(cart_id=cart_id, details=DETAILS), own).cart.order_number

    given, bought = customer_history(cart_timeline(cart_id))[2:]
    assert (given.summary, given.erased) == (
        "Checkout details given: delivery to London, United Kingdom",
        False,
    )
    assert bought.summary == f"Checked out as order {number}, charged 4.50 EUR"

    personal.forget([repository.data_subject(repository.load(cart_id))])
    given, bought = customer_history(cart_timeline(cart_id))[2:]
    assert (given.summary, given.erased) == (
        "Checkout details given: delivery to United Kingdom",
        True,
    )
    assert bought.summary == f"Checked out as order {number}, charged 4.50 EUR"
