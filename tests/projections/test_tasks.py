import logging
from unittest import mock

from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app
from projections import tasks
from projections.selectors import cart_summaries


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
