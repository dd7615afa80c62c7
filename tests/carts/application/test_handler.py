"""The command handler: load, decide, append; idempotent by command id; retried on conflicts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from carts.application import handler, repository, transactions
from carts.application.commands import (
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    CreateCart,
    GiveGoodwill,
    MergeCarts,
    RemoveDiscount,
    RemoveItem,
)
from carts.application.handler import Context, handle
from carts.domain import errors
from eventstore.models import Event
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_id(catalog, meta) -> uuid.UUID:
    return handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id


def stream(cart_id: uuid.UUID) -> str:
    return repository.stream_id(cart_id)


def test_a_command_appends_its_events_with_who_and_why(cart_id, meta):
    result = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))

    event = Event.objects.get(stream_id=stream(cart_id), version=2)
    assert event.event_type == "cart.ItemAdded"
    assert event.metadata["actor"] == "user:test"
    assert event.metadata["command"] == "cart_add_item"
    assert event.metadata["correlation_id"] == "corr-test"
    assert result.version == 2
    assert result.last_position == event.position
    assert result.cart.total == Decimal("9.00")


def test_the_price_is_captured_when_added_and_never_looked_up_again(cart_id, meta, catalog):
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    catalog["TEA-001"].price = Decimal("99.00")
    catalog["TEA-001"].save()

    assert repository.load(cart_id).lines["TEA-001"].unit_price == Decimal("4.50")


def test_unknown_products_are_refused_and_nothing_is_written(cart_id, meta, event_count):
    with pytest.raises(errors.UnknownProduct, match="NOPE"):
        handle(AddItem(cart_id=cart_id, sku="NOPE", quantity=1), Context.system(meta))

    assert event_count(stream(cart_id)) == 1


def test_inactive_products_are_refused_and_nothing_is_written(cart_id, meta, event_count):
    with pytest.raises(errors.ProductInactive):
        handle(AddItem(cart_id=cart_id, sku="OLD-001", quantity=1), Context.system(meta))

    assert event_count(stream(cart_id)) == 1


def test_unknown_discount_codes_are_refused_and_nothing_is_written(cart_id, meta, event_count):
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))

    with pytest.raises(errors.UnknownDiscountCode):
        handle(ApplyDiscount(cart_id=cart_id, code="BOGUS"), Context.system(meta))

    assert event_count(stream(cart_id)) == 2


def test_discount_codes_are_matched_case_insensitively(cart_id, meta):
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))

    result = handle(ApplyDiscount(cart_id=cart_id, code=" welcome10 "), Context.system(meta))

    assert result.cart.discount_amount == Decimal("1.20")


def test_commands_on_an_unknown_cart_are_refused(catalog, meta, event_count):
    with pytest.raises(errors.CartNotFound):
        handle(AddItem(cart_id=uuid.uuid4(), sku="TEA-001", quantity=1), Context.system(meta))

    assert event_count() == 0


def test_a_cart_id_cannot_be_created_twice(cart_id, meta, event_count):
    with pytest.raises(errors.CartAlreadyExists):
        handle(CreateCart(cart_id=cart_id), Context.system(meta))

    assert event_count(stream(cart_id)) == 1


def test_a_repeated_command_id_returns_the_earlier_result_and_writes_nothing(
    cart_id, meta, event_count
):
    once = replace(meta, command_id="cmd-1")
    first = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(once))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))

    again = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(once))

    assert again.replayed
    assert again.version == first.version == 2
    assert again.last_position == first.last_position
    assert again.cart.lines["TEA-001"].quantity == 2
    assert event_count(stream(cart_id)) == 3


def test_a_repeated_create_command_returns_the_same_cart(catalog, meta, event_count):
    once = replace(meta, command_id="create-1")
    first = handle(CreateCart(), Context.system(once))

    again = handle(CreateCart(), Context.system(once))

    assert again.replayed
    assert again.cart.id == first.cart.id
    assert event_count() == 1


def test_a_stale_expected_version_is_refused_and_nothing_is_written(cart_id, meta, event_count):
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))

    with pytest.raises(errors.StaleVersion, match="not 1"):
        handle(
            AddItem(cart_id=cart_id, sku="MUG-001", quantity=1, expected_version=1),
            Context.system(meta),
        )

    assert event_count(stream(cart_id)) == 2


def test_a_conflict_is_retried_on_the_reloaded_cart(cart_id, meta, monkeypatch):
    loads = []
    real_load = repository.load_for_command

    def load_then_lose_the_race(cart_id, command_id=""):  # type: ignore[no-untyped-def]
        loaded = real_load(cart_id, command_id)
        loads.append(loaded.cart.version)
        if len(loads) == 1:
            # Another writer appends after we loaded: our append must fail and be retried.
            loaded.cart.version -= 1
        return loaded

    monkeypatch.setattr(repository, "load_for_command", load_then_lose_the_race)
    result = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))

    assert len(loads) == 2
    assert result.version == 2


def test_a_command_that_keeps_conflicting_gives_up_with_a_clear_error(
    cart_id, meta, monkeypatch, event_count
):
    real_load = repository.load_for_command

    def always_stale(cart_id, command_id=""):  # type: ignore[no-untyped-def]
        loaded = real_load(cart_id, command_id)
        loaded.cart.version -= 1
        return loaded

    monkeypatch.setattr(repository, "load_for_command", always_stale)
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0)
    with pytest.raises(errors.ConcurrentModification, match=f"{handler.ATTEMPTS} attempts"):
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))

    assert event_count(stream(cart_id)) == 1


def test_a_no_op_command_writes_nothing(cart_id, meta, event_count):
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))

    result = handle(
        ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta)
    )

    assert result.last_position is None
    assert event_count(stream(cart_id)) == 2


def test_the_full_life_of_a_cart(cart_id, meta):
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=4), Context.system(meta))
    handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    handle(ApplyDiscount(cart_id=cart_id, code="FIVEOFF"), Context.system(meta))
    handle(RemoveDiscount(cart_id=cart_id), Context.system(meta))
    handle(ApplyDiscount(cart_id=cart_id, code="WELCOME10"), Context.system(meta))
    result = handle(CheckOut(details=DETAILS, cart_id=cart_id), Context.system(meta))

    assert result.cart.status == "checked_out"
    assert result.cart.total == Decimal("16.20")
    assert [e.event_type for e in repository.history(cart_id)] == [
        "cart.CartCreated",
        "cart.ItemAdded",
        "cart.ItemAdded",
        "cart.ItemQuantityChanged",
        "cart.ItemRemoved",
        "cart.DiscountApplied",
        "cart.DiscountRemoved",
        "cart.DiscountApplied",
        "cart.CheckoutDetailsProvided",
        "cart.CartCheckedOut",
    ]


def test_staff_goodwill_discount_is_recorded_as_goodwill(cart_id, meta):
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    admin = replace(meta, actor="user:staff", source="admin")

    result = handle(
        GiveGoodwill(cart_id=cart_id, kind="amount", value=Decimal("2"), currency="EUR"),
        Context.system(admin),
    )

    last = repository.history(cart_id)[-1]
    assert result.cart.total == Decimal("10.00")
    assert last.payload["code"] == "GOODWILL"
    assert last.metadata["source"] == "admin"


def test_merging_a_guest_cart_records_events_in_both_carts(cart_id, meta, event_count):
    guest = handle(CreateCart(), Context.system(replace(meta, actor="guest:abc"))).cart.id
    handle(AddItem(cart_id=guest, sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    merge = replace(meta, command_id="merge-1")

    result = handle(MergeCarts(source_cart_id=guest, target_cart_id=cart_id), Context.system(merge))
    handle(MergeCarts(source_cart_id=guest, target_cart_id=cart_id), Context.system(merge))

    assert result.cart.lines["TEA-001"].quantity == 3
    assert repository.load(guest).status == "merged"
    assert repository.history(guest)[-1].event_type == "cart.CartMergedInto"
    assert repository.history(cart_id)[-1].event_type == "cart.CartMergedFrom"
    assert event_count(stream(cart_id)) == 3
    assert event_count(stream(guest)) == 3
