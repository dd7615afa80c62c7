"""The cart at one step or moment, and what changed from the step before."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from carts.application.commands import AddItem, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from carts.application.moments import MICROSECOND, Moment, parse_moment
from carts.application.time_travel import cart_moment
from carts.application.timeline import TimelineStep, cart_timeline
from carts.domain import errors
from eventstore import clock
from eventstore.metadata import Metadata
from tests.carts.close_steps import record_close_steps

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


@pytest.fixture
def close_steps(catalog):
    return record_close_steps("user:7")


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
    moment = cart_moment(cart_timeline(cart_id), as_of=exactly(start + timedelta(minutes=90)))
    assert moment.version == 2
    assert moment.after.units == 2


def test_a_moment_before_the_cart_existed_is_not_found(cart):
    cart_id, start = cart
    with pytest.raises(errors.CartNotFound):
        cart_moment(cart_timeline(cart_id), as_of=exactly(start - timedelta(seconds=1)))


def test_a_version_out_of_range_is_brought_within_the_history(cart):
    cart_id, _ = cart
    assert cart_moment(cart_timeline(cart_id), version=99).version == 3
    assert cart_moment(cart_timeline(cart_id), version=0).version == 1


def test_each_step_s_own_moment_selects_exactly_that_step(close_steps):
    steps = cart_timeline(close_steps)
    for step in steps:
        chosen = cart_moment(steps, as_of=exactly(step.event.recorded_at))
        assert chosen.version == step.event.version


def test_a_step_s_moment_to_the_millisecond_selects_it_unless_a_later_one_shares_it(close_steps):
    steps = cart_timeline(close_steps)
    chosen = [
        cart_moment(steps, as_of=parse_moment(_to_millisecond(step))).version for step in steps
    ]
    # Steps 1 and 2 share a millisecond: at that precision only the later one can be named.
    assert chosen == [2, 2, 3, 4, 5]


def test_a_moment_to_the_second_or_minute_selects_the_last_step_within_it(close_steps):
    steps = cart_timeline(close_steps)
    first, fourth = steps[0].event.recorded_at, steps[3].event.recorded_at
    assert cart_moment(steps, as_of=parse_moment(f"{first:%Y-%m-%dT%H:%M:%S}")).version == 3
    assert cart_moment(steps, as_of=parse_moment(f"{fourth:%Y-%m-%dT%H:%M:%S}Z")).version == 5
    assert cart_moment(steps, as_of=parse_moment(f"{first:%Y-%m-%dT%H:%M}")).version == 5


def test_a_moment_is_utc_unless_it_carries_an_offset(close_steps):
    steps = cart_timeline(close_steps)
    third = steps[2].event.recorded_at.astimezone(timezone.get_fixed_timezone(-120))
    written = f"{third:%Y-%m-%dT%H:%M:%S.%f}-02:00"
    assert cart_moment(steps, as_of=parse_moment(written)).version == 3
    with pytest.raises(errors.CartNotFound):  # the same digits read as UTC: two hours earlier
        cart_moment(steps, as_of=parse_moment(written.removesuffix("-02:00")))


def exactly(moment: datetime) -> Moment:
    """A moment to the microsecond, the precision events are recorded at."""
    return Moment(moment, MICROSECOND)


def _to_millisecond(step: TimelineStep) -> str:
    return step.event.recorded_at.replace(tzinfo=None).isoformat(timespec="milliseconds")
