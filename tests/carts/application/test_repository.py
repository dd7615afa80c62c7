"""Loading carts: snapshots, time travel and old event shapes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carts.application import repository
from carts.application.commands import AddItem, ChangeQuantity, CreateCart
from carts.application.handler import Context, handle
from carts.domain import errors
from eventstore import clock
from eventstore.models import Snapshot
from eventstore.store import ANY, RawEvent, append

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_cart(catalog, meta, settings) -> uuid.UUID:
    settings.EVENTSTORE_SNAPSHOT_EVERY = 5
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    for quantity in range(2, 13):
        handle(
            ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=quantity), Context.system(meta)
        )
    return cart_id  # 13 events


def full_replay(cart_id: uuid.UUID):  # type: ignore[no-untyped-def]
    from carts.domain.cart import Cart

    return Cart.replay(cart_id, (e.data for e in repository.history(cart_id)))


def test_snapshots_are_taken_every_n_events(long_cart):
    snapshot = Snapshot.objects.get(stream_id=repository.stream_id(long_cart))

    assert snapshot.version == 10


def test_loading_from_a_snapshot_equals_full_replay(long_cart):
    loaded = repository.load(long_cart)

    assert loaded.version == 13
    assert loaded.to_snapshot() == full_replay(long_cart).to_snapshot()


def test_an_outdated_snapshot_schema_falls_back_to_full_replay(long_cart):
    Snapshot.objects.filter(stream_id=repository.stream_id(long_cart)).update(
        schema_version=0, state={"garbage": True}
    )

    assert repository.load(long_cart).lines["TEA-001"].quantity == 12


def test_a_missing_snapshot_falls_back_to_full_replay(long_cart):
    Snapshot.objects.all().delete()

    assert repository.load(long_cart).version == 13


def test_time_travel_to_a_version(long_cart):
    as_it_was = repository.load(long_cart, to_version=4)

    assert as_it_was.version == 4
    assert as_it_was.lines["TEA-001"].quantity == 3


def test_time_travel_to_a_version_before_the_snapshot_ignores_the_snapshot(long_cart):
    assert repository.load(long_cart, to_version=11).lines["TEA-001"].quantity == 10


def test_time_travel_to_a_moment(catalog, meta):
    start = timezone.now() - timedelta(hours=2)
    with clock.recording_at(start):
        cart_id = handle(CreateCart(), Context.system(meta)).cart.id
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    with clock.recording_at(start + timedelta(hours=1)):
        handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))

    before = repository.load(cart_id, as_of=start + timedelta(minutes=30))
    now = repository.load(cart_id)

    assert list(before.lines) == ["TEA-001"]
    assert list(now.lines) == ["TEA-001", "MUG-001"]
    with pytest.raises(errors.CartNotFound):
        repository.load(cart_id, as_of=start - timedelta(minutes=1))


def test_an_item_added_event_of_schema_one_is_upcast_when_loaded(catalog, meta):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    old_shape = {"sku": "TEA-001", "price": "3.75", "currency": "EUR", "quantity": 2}
    append(
        repository.stream_id(cart_id),
        [RawEvent("cart.ItemAdded", old_shape, schema_version=1)],
        expected_version=ANY,
        metadata=meta,
    )

    [line] = repository.load(cart_id).lines.values()
    event = repository.history(cart_id)[-1]

    assert (line.sku, line.name, line.unit_price, line.quantity) == (
        "TEA-001",
        "TEA-001",
        Decimal("3.75"),
        2,
    )
    assert event.schema_version == 3
    assert event.payload["unit_price"] == "3.75"
    assert event.payload["reprices_line"] is True


def test_a_command_load_uses_the_snapshot_and_equals_full_replay(long_cart, meta):
    loaded = repository.load_for_command(long_cart, "never-ran")

    assert vars(loaded.cart) == vars(full_replay(long_cart))
    assert loaded.head_hash == repository.history(long_cart)[-1].hash
    assert loaded.earlier is None


def test_a_command_load_finds_what_the_command_id_wrote_before(catalog, meta):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    done = handle(
        AddItem(cart_id=cart_id, sku="TEA-001", quantity=1),
        Context.system(replace(meta, command_id="add-1")),
    )
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))

    loaded = repository.load_for_command(cart_id, "add-1")

    assert loaded.earlier == (done.version, done.last_position)
    assert loaded.cart.version == 3


def test_a_command_load_of_an_unknown_cart_is_refused():
    with pytest.raises(errors.CartNotFound):
        repository.load_for_command(uuid.uuid4(), "x")


def test_the_owner_comes_from_the_first_event_alone(catalog, meta):
    cart_id = handle(CreateCart(owner_id="user:42"), Context.system(meta)).cart.id

    assert repository.owner_of(cart_id) == "user:42"
    with pytest.raises(errors.CartNotFound):
        repository.owner_of(uuid.uuid4())
