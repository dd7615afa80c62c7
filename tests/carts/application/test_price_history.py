"""Prices in a cart's history: what units were added at, accepted prices, retired products,
and past carts that must replay to exactly what they showed and charged."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from carts.application import repository
from carts.application.commands import (
    AddItem,
    ChangeQuantity,
    CheckOut,
    CreateCart,
    RemoveItem,
    UpdateLinePrice,
)
from carts.application.demo import NAMESPACE
from carts.application.handler import Context, handle
from carts.application.timeline import describe
from carts.domain import errors
from carts.domain.events import CartCheckedOut, LineRepriced
from carts.models import Product
from eventstore.store import ANY, RawEvent, append, read_stream
from projections.models import CartSummary
from projections.tasks import catch_up
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def earl(catalog) -> Product:
    return Product.objects.create(
        sku="TEA-EAR", name="Earl Grey", price=Decimal("7.90"), currency="EUR"
    )


@pytest.fixture
def run(meta):  # type: ignore[no-untyped-def]
    return lambda command: handle(command, Context.system(meta))


@pytest.fixture
def cart_id(run, catalog) -> uuid.UUID:
    return run(CreateCart(owner_id="user:1")).cart.id


def reprice(product: Product, price: str) -> None:
    product.price = Decimal(price)
    product.save()


def checked_out(cart_id: uuid.UUID) -> CartCheckedOut:
    [event] = [
        e.data
        for e in read_stream(repository.stream_id(cart_id))
        if e.data.__class__ is CartCheckedOut
    ]
    return event


def test_units_added_before_staff_raise_a_price_keep_it_at_checkout(run, cart_id, earl):
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=2))
    reprice(earl, "12.00")
    added = run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=1))
    run(CheckOut(details=DETAILS, cart_id=cart_id))

    assert added.cart.lines["TEA-EAR"].quantity == 3
    assert added.cart.total == Decimal("27.80")
    assert checked_out(cart_id).total == Decimal("27.80")
    assert repository.load(cart_id).total == Decimal("27.80")


def test_a_shopper_who_accepts_the_new_price_is_charged_it_for_every_unit(run, cart_id, earl):
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=2))
    reprice(earl, "12.00")
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=1))

    accepted = run(UpdateLinePrice(cart_id=cart_id, sku="TEA-EAR", unit_price=Decimal("12.00")))
    run(CheckOut(details=DETAILS, cart_id=cart_id))

    assert accepted.cart.total == Decimal("36.00")
    assert checked_out(cart_id).total == Decimal("36.00")
    catch_up(retry_now=True)
    assert CartSummary.objects.get(cart_id=cart_id).total == Decimal("36.00")
    assert repository.history(cart_id)[-3].event_type == "cart.LineRepriced"


def test_accepting_a_price_that_changed_again_is_refused_and_writes_nothing(
    run, cart_id, earl, event_count
):
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=2))
    reprice(earl, "13.50")
    before = event_count()

    with pytest.raises(errors.PriceChanged, match=r"now costs 13\.50, not 12\.00"):
        run(UpdateLinePrice(cart_id=cart_id, sku="TEA-EAR", unit_price=Decimal("12.00")))

    assert event_count() == before


# --- products retired while in a cart --------------------------------------------------------


@pytest.fixture
def retired_in_cart(run, cart_id, earl) -> uuid.UUID:
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=2))
    run(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1))
    earl.active = False
    earl.save()
    return cart_id


def test_a_retired_line_cannot_be_raised_and_nothing_is_written(run, retired_in_cart, event_count):
    before = event_count()

    with pytest.raises(errors.ProductInactive, match="cannot be raised"):
        run(ChangeQuantity(cart_id=retired_in_cart, sku="TEA-EAR", quantity=3))

    assert event_count() == before


def test_checkout_is_refused_naming_retired_lines_and_nothing_is_written(
    run, retired_in_cart, event_count
):
    before = event_count()

    with pytest.raises(errors.LinesUnavailable, match=r"Earl Grey \(TEA-EAR\)"):
        run(CheckOut(details=DETAILS, cart_id=retired_in_cart))

    assert event_count() == before


def test_a_retired_line_can_be_lowered_and_removed_and_the_rest_checked_out(run, retired_in_cart):
    run(ChangeQuantity(cart_id=retired_in_cart, sku="TEA-EAR", quantity=1))
    run(RemoveItem(cart_id=retired_in_cart, sku="TEA-EAR"))
    run(CheckOut(details=DETAILS, cart_id=retired_in_cart))

    assert checked_out(retired_in_cart).total == Decimal("4.50")


def test_a_line_whose_product_was_deleted_is_refused_at_checkout(run, cart_id, earl, event_count):
    run(AddItem(cart_id=cart_id, sku="TEA-EAR", quantity=1))
    earl.delete()
    before = event_count()

    with pytest.raises(errors.LinesUnavailable, match="TEA-EAR"):
        run(CheckOut(details=DETAILS, cart_id=cart_id))
    assert event_count() == before


# --- past carts replay to what they showed and charged --------------------------------------


def test_events_stored_with_the_old_schemas_fold_to_the_old_totals(run, cart_id, meta):
    """Before units kept their price, each add or merge set the whole line's price: a cart
    stored then showed and charged 3 x 12.00 = 36.00, and must go on doing so."""
    old = [
        RawEvent("cart.ItemAdded", _old_added("7.90", 2), schema_version=2),
        RawEvent("cart.ItemAdded", _old_added("12.00", 1), schema_version=2),
        RawEvent(
            "cart.ItemQuantityChanged",
            {"sku": "TEA-EAR", "quantity": 4, "previous_quantity": 3},
            schema_version=1,
        ),
        RawEvent(
            "cart.CartMergedFrom",
            {
                "source_cart_id": str(uuid.uuid4()),
                "lines": [{**_old_added("11.00", 1), "currency": "EUR"}],
            },
            schema_version=1,
        ),
        RawEvent(
            "cart.CartCheckedOut",
            {
                "lines": [
                    {
                        "sku": "TEA-EAR",
                        "name": "Earl Grey",
                        "unit_price": "11.00",
                        "quantity": 5,
                        "line_total": "55.00",
                    }
                ],
                "subtotal": "55.00",
                "discount": "0.00",
                "total": "55.00",
                "currency": "EUR",
            },
        ),
    ]
    append(repository.stream_id(cart_id), old[:2], expected_version=ANY, metadata=meta)
    after_adds = repository.load(cart_id)
    append(repository.stream_id(cart_id), old[2:], expected_version=ANY, metadata=meta)
    catch_up(retry_now=True)

    cart = repository.load(cart_id)
    assert after_adds.total == Decimal("36.00")
    assert cart.total == checked_out(cart_id).total == Decimal("55.00")
    assert repository.load(cart_id, to_version=cart.version - 1).total == Decimal("55.00")
    assert CartSummary.objects.get(cart_id=cart_id).total == Decimal("55.00")


def _old_added(price: str, quantity: int) -> dict[str, object]:
    return {
        "sku": "TEA-EAR",
        "name": "Earl Grey",
        "unit_price": price,
        "currency": "EUR",
        "quantity": quantity,
    }


# Each demo cart's (status, subtotal, discount, total, charged total), as seed_demo made them
# before units kept their own price: seeding and replaying them must give the same today.
DEMO_CARTS = {
    0: ("checked_out", "13.00", "0.00", "13.00", "13.00"),
    1: ("checked_out", "13.00", "0.00", "13.00", "13.00"),
    2: ("abandoned", "46.00", "0.00", "46.00", None),
    3: ("open", "85.50", "0.00", "85.50", None),
    4: ("checked_out", "117.00", "11.70", "105.30", "105.30"),
    5: ("checked_out", "41.90", "0.00", "41.90", "41.90"),
    6: ("abandoned", "68.10", "5.00", "63.10", None),
    7: ("open", "88.40", "8.84", "79.56", None),
    8: ("checked_out", "81.10", "0.00", "81.10", "81.10"),
    9: ("checked_out", "68.30", "10.25", "58.05", "58.05"),
    10: ("open", "222.90", "5.00", "217.90", None),
    11: ("open", "175.80", "0.00", "175.80", None),
    12: ("checked_out", "185.50", "27.83", "157.67", "157.67"),
    13: ("checked_out", "25.60", "0.00", "25.60", "25.60"),
}


def test_every_demo_cart_replays_to_its_totals_and_every_charge_to_its_replay():
    call_command("seed_demo")
    catch_up(retry_now=True)

    for number, expected in DEMO_CARTS.items():
        cart_id = uuid.uuid5(NAMESPACE, f"demo-cart-{number}")
        cart = repository.load(cart_id)
        charges = [
            (e.version, e.data)
            for e in read_stream(repository.stream_id(cart_id))
            if isinstance(e.data, CartCheckedOut)
        ]
        charged = str(charges[0][1].total) if charges else None
        got = (cart.status, str(cart.subtotal), str(cart.discount_amount), str(cart.total), charged)
        assert got == expected, number
        for version, charge in charges:
            before = repository.load(cart_id, to_version=version - 1)
            assert (before.subtotal, before.discount_amount, before.total) == (
                charge.subtotal,
                charge.discount,
                charge.total,
            )
            assert sum(line.line_total for line in charge.lines) == charge.subtotal
        assert CartSummary.objects.get(cart_id=cart_id).total == cart.total


def test_the_timeline_says_what_accepting_a_price_did():
    event = LineRepriced(sku="TEA-EAR", unit_price=Decimal("12.00"), quantity=3, previous=())

    assert describe(event) == "Accepted the new price of TEA-EAR: 3 units now at 12.00"
