"""Idle carts are abandoned by the system, from the summaries, without touching a live cart."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from carts import tasks
from carts.application import repository
from carts.application.commands import AddItem, CheckOut
from carts.application.handler import Context, handle
from eventstore.models import Event
from projections.selectors import cart_summaries
from tests.checkout_details import DETAILS
from tests.projections.conftest import new_cart, project

__all__ = ["new_cart", "project"]  # fixtures of the projections' tests, used here too


def _idle_since(hours):
    moment = timezone.now() - timedelta(hours=hours)
    return mock.patch("eventstore.clock.timezone.now", return_value=moment)


def test_open_carts_idle_too_long_are_abandoned_by_the_system(new_cart, project):
    with _idle_since(25):
        idle = new_cart({"TEA-001": 1})
    recent = new_cart({"TEA-001": 1})
    project()
    assert tasks.abandon_idle_carts() == 1
    assert repository.load(idle).status == "abandoned"
    assert repository.load(recent).status == "open"
    event = Event.objects.filter(stream_id=f"cart-{idle}").latest("version")
    assert event.event_type == "cart.CartAbandoned"
    assert (event.metadata["actor"], event.metadata["source"]) == ("system", "system")
    assert event.metadata["command"] == "cart_abandon"


def test_carts_that_are_closed_already_are_not_abandoned(new_cart, project, meta, event_count):
    with _idle_since(48):
        bought = new_cart({"TEA-001": 1})
        handle(CheckOut(details=DETAILS, cart_id=bought), Context.system(meta))
    project()
    before = event_count()
    assert tasks.abandon_idle_carts() == 0
    assert event_count() == before


def test_a_cart_used_since_its_summary_was_built_is_left_alone(
    new_cart, project, meta, event_count
):
    with _idle_since(30):
        cart_id = new_cart({"TEA-001": 1})
    project()
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    before = event_count()
    assert cart_summaries().get(cart_id=cart_id).status == "open"
    assert tasks.abandon_idle_carts() == 0
    assert event_count() == before
    assert repository.load(cart_id).status == "open"


def test_abandoning_twice_from_a_stale_summary_writes_once(new_cart, project, event_count):
    with _idle_since(30):
        new_cart()
    project()
    assert tasks.abandon_idle_carts() == 1
    before = event_count()
    assert tasks.abandon_idle_carts() == 0
    assert event_count() == before
