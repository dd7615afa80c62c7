from datetime import timedelta
from unittest import mock

from django.utils import timezone

from eventstore.store import checkpoint_position, head_checkpoint
from projections import runner
from projections.selectors import (
    cart_summaries,
    projection_includes,
    projection_statuses,
    wait_for_position,
)


def _statuses():
    return {s.name: s for s in projection_statuses()}


def test_before_any_run_every_projection_is_empty_and_behind(new_cart):
    new_cart({"TEA-001": 1})
    statuses = _statuses()
    assert list(statuses) == ["cart_summaries", "product_activity", "daily_funnel"]
    assert {s.state for s in statuses.values()} == {"catching_up"}
    assert {s.lag_events for s in statuses.values()} == {2}
    assert not cart_summaries().exists()


def _head_position():
    return checkpoint_position(head_checkpoint())


def test_status_shows_checkpoint_head_and_lag_in_events_and_seconds(new_cart, meta):
    now = timezone.now()
    with mock.patch("eventstore.store.timezone.now", return_value=now - timedelta(minutes=10)):
        new_cart({"TEA-001": 1})
    runner.catch_up("cart_summaries")
    projected = _head_position()
    with mock.patch("eventstore.store.timezone.now", return_value=now - timedelta(minutes=5)):
        new_cart({"MUG-001": 1})
    statuses = _statuses()
    summaries = statuses["cart_summaries"]
    assert summaries.state == "catching_up"
    assert summaries.position == projected
    assert (summaries.head_position, summaries.lag_events) == (_head_position(), 2)
    assert summaries.lag_seconds >= 300
    assert statuses["product_activity"].lag_events == 4
    runner.catch_up("cart_summaries")
    caught_up = _statuses()["cart_summaries"]
    assert (caught_up.state, caught_up.lag_events, caught_up.lag_seconds) == ("live", 0, 0.0)
    assert caught_up.checkpoint == head_checkpoint()


def test_projection_includes_a_position_once_it_has_processed_it(new_cart, meta):
    new_cart()
    position = _head_position()
    assert not projection_includes("daily_funnel", position)
    runner.catch_up("daily_funnel")
    assert projection_includes("daily_funnel", position)
    assert not projection_includes("cart_summaries", position)


def test_waiting_for_a_position_returns_whether_the_projections_reached_it(new_cart, project):
    new_cart({"TEA-001": 1})
    position = _head_position()
    assert wait_for_position(position, timeout=0.1) is False
    runner.catch_up("cart_summaries")
    assert wait_for_position(position, names=["cart_summaries"], timeout=0.1) is True
    project()
    assert wait_for_position(position) is True
