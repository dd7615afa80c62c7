import logging
import threading
from contextlib import contextmanager
from unittest import mock

import pytest
import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app
from eventstore.models import Seal
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
    assert scheduled == {
        "projections.catch_up",
        "eventstore.seal",
        "carts.abandon_idle_carts",
        "carts.prune_idempotency_records",
        "webhooks.deliver",
        "webhooks.prune_log",
    }
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
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


@pytest.fixture
def redis_broker(redis_url):
    """Tasks are sent (not run) to a real Redis; the pending flag starts cleared."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=redis_url, task_always_eager=False)
    flags = redis.Redis.from_url(redis_url)
    flags.delete(tasks.pending_key())
    yield flags
    flags.delete(tasks.pending_key())
    app.conf.update(saved)


def test_commits_coalesce_into_one_queued_catch_up_until_it_starts(
    redis_broker, new_cart, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with mock.patch.object(tasks.catch_up, "apply_async") as enqueued:
        committed(capture, lambda: new_cart({"TEA-001": 1}))
        committed(capture, new_cart)
    enqueued.assert_called_once_with(retry=False)
    assert redis_broker.get(tasks.pending_key()) == b"1"
    assert 0 < redis_broker.ttl(tasks.pending_key()) <= tasks.PENDING_SECONDS

    # The queued run starts: it clears the flag before reading, so what commits from now on
    # enqueues the next run, and it reads everything committed before.
    with mock.patch("projections.runner.catch_up", side_effect=lambda name, **_: 0):
        tasks.catch_up(follow_up=False)
    assert redis_broker.get(tasks.pending_key()) is None
    with mock.patch.object(tasks.catch_up, "apply_async") as enqueued_again:
        committed(capture, new_cart)
    enqueued_again.assert_called_once_with(retry=False)


def committed(capture, make):  # type: ignore[no-untyped-def]
    """Run ``make`` as if its transaction committed, then wait for the waker to act on it."""
    with capture(execute=True):
        make()
    assert tasks.waker.flush()


def test_a_catch_up_of_one_projection_leaves_the_flag_to_the_full_run(redis_broker):
    redis_broker.set(tasks.pending_key(), "1")
    tasks.catch_up("cart_summaries", follow_up=False)
    assert redis_broker.get(tasks.pending_key()) == b"1"


@contextmanager
def sent_to(broker_url):  # type: ignore[no-untyped-def]
    """Commits made inside publish to this broker; yields the mocked publisher."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        with mock.patch.object(tasks.catch_up, "apply_async") as enqueued:
            yield enqueued
    finally:
        app.conf.update(saved)


def test_without_redis_as_broker_every_wake_enqueues(new_cart, django_capture_on_commit_callbacks):
    with sent_to("amqp://guest@127.0.0.1:5672//") as enqueued:
        committed(django_capture_on_commit_callbacks, new_cart)
        committed(django_capture_on_commit_callbacks, new_cart)
    assert enqueued.call_count == 2


def test_a_redis_that_cannot_be_reached_still_tries_to_enqueue(
    new_cart, django_capture_on_commit_callbacks, event_count
):
    # Nothing listens on port 1 of this machine: the flag cannot be set, so publish as before.
    with sent_to("redis://127.0.0.1:1/0") as enqueued:
        committed(django_capture_on_commit_callbacks, new_cart)
    enqueued.assert_called_once_with(retry=False)
    assert event_count() == 1


def test_the_caller_never_waits_for_the_broker(new_cart, django_capture_on_commit_callbacks):
    release = threading.Event()
    with sent_to("amqp://guest@127.0.0.1:5672//") as enqueued:
        enqueued.side_effect = lambda **_: release.wait(10)
        with django_capture_on_commit_callbacks(execute=True):
            new_cart()
        # The commit hook returned although the publish is still blocked.
        assert not tasks.waker.flush(timeout=0.2)
        release.set()
        assert tasks.waker.flush()
    enqueued.assert_called_once_with(retry=False)


def test_a_commit_seals_what_it_wrote_with_the_catch_up(
    new_cart, event_count, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_cart({"TEA-001": 1})

    assert sum(Seal.objects.values_list("events", flat=True)) == event_count() == 2
