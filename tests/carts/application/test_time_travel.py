"""The cart at one step or moment, and what changed from the step before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carts.application.commands import AddItem, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from carts.application.time_travel import cart_moment
from carts.application.timeline import cart_timeline
from carts.domain import errors
from eventstore import clock
from eventstore.metadata import Metadata

pytestmark = pytest.mark.django_db

CONTEXT = Metadata(actor="user:7", source="ui")


@pytest.fixture
def cart(catalog):
    start = timezone.now() - timedelta(hours=5)
    with clock.recording_at(start):
        cart_id = handle(CreateCart(owner_id="user:7"), Context.system(CONTEXT)).cart.id
    with clock.recording_at(start + timedelta(hours=1)):
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(CONTEXT))
    with clock.recording_at(start + timedelta(hours=2)):
        handle(RemoveItem(cart_id=cart_id, sku="TEA-001"), Context.system(CONTEXT))
    return cart_id, start


def test_a_step_shows_the_cart_after_it_and_the_line_it_added(cart):
    cart_id, _ = cart
    moment = cart_moment(cart_timeline(cart_id), version=2)
    assert moment.version == 2 and not moment.is_latest
    [row] = moment.rows
    assert (row.sku, row.quantity) == ("TEA-001", 2)
    assert row.change is not None and row.change.kind == "added"
    assert moment.total_changed and not moment.status_changed


def test_a_removed_line_is_shown_struck_with_its_old_quantity(cart):
    cart_id, _ = cart
    moment = cart_moment(cart_timeline(cart_id))
    [row] = moment.rows
    assert row.change is not None and row.change.kind == "removed"
    assert row.change.quantity_before == 2 and row.quantity == 0
    assert moment.after.total == 0


def test_a_moment_between_events_shows_the_cart_as_it_stood(cart):
    cart_id, start = cart
    moment = cart_moment(cart_timeline(cart_id), as_of=start + timedelta(minutes=90))
    assert moment.version == 2
    assert moment.after.units == 2


def test_a_moment_before_the_cart_existed_is_not_found(cart):
    cart_id, start = cart
    with pytest.raises(errors.CartNotFound):
        cart_moment(cart_timeline(cart_id), as_of=start - timedelta(seconds=1))


def test_a_version_out_of_range_is_brought_within_the_history(cart):
    cart_id, _ = cart
    assert cart_moment(cart_timeline(cart_id), version=99).version == 3
    assert cart_moment(cart_timeline(cart_id), version=0).version == 1


def test_the_moment_a_step_shows_to_the_second_selects_that_step(catalog):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    with clock.recording_at(start + timedelta(microseconds=250_000)):
        cart_id = handle(CreateCart(owner_id="user:7"), Context.system(CONTEXT)).cart.id
    with clock.recording_at(start + timedelta(seconds=30, microseconds=900_000)):
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(CONTEXT))
    steps = cart_timeline(cart_id)
    for step in steps:
        shown = step.event.recorded_at.replace(microsecond=0)  # what the picker offers
        assert cart_moment(steps, as_of=shown).version == step.event.version
