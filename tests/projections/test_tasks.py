import logging
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from carts import repository, services
from config.celery import app
from eventstore.models import Event
from projections import tasks
from projections.selectors import cart_summaries


def _idle_since(hours):
    moment = timezone.now() - timedelta(hours=hours)
    return mock.patch("eventstore.store.timezone.now", return_value=moment)


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
        services.cart_check_out(cart_id=bought, context=meta)
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
    services.cart_add_item(cart_id=cart_id, sku="MUG-001", quantity=1, context=meta)
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


def test_appending_runs_a_catch_up_once_the_transaction_commits(
    new_cart, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cart_id = new_cart({"TEA-001": 1})
    assert cart_summaries().get(cart_id=cart_id).units == 1


def test_a_broker_that_cannot_be_reached_does_not_fail_the_append(
    new_cart, django_capture_on_commit_callbacks, event_count, caplog
):
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(tasks.catch_up, "apply_async", side_effect=refused),
        caplog.at_level(logging.WARNING, logger="projections.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        new_cart({"TEA-001": 1})
    assert event_count() == 2
    assert "could not enqueue a catch-up" in caplog.text
    assert not cart_summaries().exists()


def test_catch_up_goes_on_with_the_others_when_one_projection_cannot_run(new_cart):
    new_cart({"TEA-001": 1})
    broken = mock.patch("projections.runner.catch_up", side_effect=[RuntimeError("db"), 2, 2])
    with broken:
        assert tasks.catch_up() == {"product_activity": 2, "daily_funnel": 2}


def test_the_beat_schedule_names_registered_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {"projections.catch_up", "projections.abandon_idle_carts"}
    assert scheduled <= set(app.tasks)


def test_a_catch_up_that_leaves_committed_events_unread_looks_again_once(new_cart, project):
    project()
    new_cart()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        # As if an older transaction elsewhere kept the new events from being read yet.
        with (
            mock.patch("projections.runner.catch_up", return_value=0),
            mock.patch.object(tasks.catch_up, "apply_async") as enqueued,
        ):
            tasks.catch_up()
            tasks.catch_up(follow_up=False)
        project()
        with mock.patch.object(tasks.catch_up, "apply_async") as not_enqueued:
            tasks.catch_up()
    finally:
        app.conf.task_always_eager = eager
    enqueued.assert_called_once_with(
        retry=False, kwargs={"name": None, "follow_up": False}, countdown=2
    )
    not_enqueued.assert_not_called()
