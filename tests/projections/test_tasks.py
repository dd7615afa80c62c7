import logging
import threading
from contextlib import contextmanager
from unittest import mock
from uuid import uuid4

import pytest
import redis
from django.conf import settings
from kombu.exceptions import OperationalError

from config.celery import app
from eventstore.models import Event, Seal
from eventstore.partitions import Partition
from projections import tasks
from projections.registry import names
from projections.selectors import cart_summaries
from tests.celery_settings import celery_settings


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
        "carts.sweep_order_confirmations",
        "webhooks.deliver",
        "webhooks.prune_log",
    }
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert scheduled <= set(app.tasks)


def test_a_shard_whose_catch_up_leaves_committed_events_unread_looks_again_once(
    new_cart, project, settings
):
    settings.PROJECTIONS_SHARDS = {"cart_summaries": 2}
    project()
    new_cart()
    stream_id = Event.objects.latest("position").stream_id
    behind = next(k for k in range(2) if Partition(k, 2).holds(stream_id))
    with celery_settings(task_always_eager=False):
        # As if an older transaction elsewhere kept the new events from being read yet.
        with (
            mock.patch("projections.runner.catch_up", return_value=0),
            mock.patch.object(tasks.catch_up, "apply_async") as enqueued,
        ):
            for shard in range(2):
                tasks.catch_up("cart_summaries", shard=shard)
            tasks.catch_up("cart_summaries", shard=behind, follow_up=False)
        project()
        with mock.patch.object(tasks.catch_up, "apply_async") as not_enqueued:
            tasks.catch_up("cart_summaries", shard=behind)
    # Only the shard that holds the cart's stream is behind; the other one has nothing to read.
    enqueued.assert_called_once_with(
        retry=False,
        kwargs={"name": "cart_summaries", "shard": behind, "follow_up": False},
        countdown=2,
    )
    not_enqueued.assert_not_called()


# Split so that the flags of one projection's shards are seen to be kept apart.
SPLIT = {"cart_summaries": 2}
EVERY_SHARD = [("cart_summaries", 0), ("cart_summaries", 1)]
EVERY_SHARD += [("product_activity", 0), ("daily_funnel", 0)]


def pending_flags() -> list[str]:
    """The pending flags of every shard a test here may use, and the seal's."""
    keys = [tasks.pending_key(name, shard) for name in names() for shard in range(4)]
    return [*keys, tasks.pending_key(*tasks.SEAL)]


@pytest.fixture
def redis_broker(redis_url, settings):
    """Tasks are sent (not run) to a real Redis; the pending flags start cleared.

    The flags are named after a queue of this run's own: an in-memory SQLite database has the
    same name in every test process, and runs on one machine share the Redis.
    """
    settings.PROJECTIONS_SHARDS = SPLIT
    flags = redis.Redis.from_url(redis_url)
    queue = f"test-{uuid4()}"
    with celery_settings(broker_url=redis_url, task_always_eager=False, task_default_queue=queue):
        flags.delete(*pending_flags())
        yield flags
        flags.delete(*pending_flags())


@contextmanager
def enqueues():  # type: ignore[no-untyped-def]
    """The catch-up and seal publishers, mocked: yields (catch-ups, seals)."""
    with (
        mock.patch.object(tasks.catch_up, "apply_async") as catch_ups,
        mock.patch.object(tasks.seal, "apply_async") as seals,
    ):
        yield catch_ups, seals


def each_shard(shards, **extra):  # type: ignore[no-untyped-def]
    """The catch-up enqueues expected for ``shards``, in the order given."""
    return [
        mock.call(retry=False, kwargs={"name": name, "shard": shard, **extra})
        for name, shard in shards
    ]


# Seconds the analytics wait after a commit before they catch up (Projector.linger_seconds);
# the lists are woken at once.
LINGER = {"product_activity": 1.0, "daily_funnel": 1.0}


def woken(shards):  # type: ignore[no-untyped-def]
    """The catch-up enqueues a commit's wake makes for ``shards``, in the order given."""
    return [
        mock.call(retry=False, kwargs={"name": name, "shard": shard}, countdown=LINGER[name])
        if name in LINGER
        else mock.call(retry=False, kwargs={"name": name, "shard": shard})
        for name, shard in shards
    ]


def test_commits_coalesce_into_one_queued_catch_up_per_shard_until_it_starts(
    redis_broker, new_cart, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with enqueues() as (enqueued, sealed):
        committed(capture, lambda: new_cart({"TEA-001": 1}))
        committed(capture, new_cart)
    assert enqueued.call_args_list == woken(EVERY_SHARD)
    sealed.assert_called_once_with(retry=False, countdown=1.0)
    for key in [tasks.pending_key(*s) for s in [*EVERY_SHARD, tasks.SEAL]]:
        assert redis_broker.get(key) == b"1"
        assert 0 < redis_broker.ttl(key) <= tasks.PENDING_SECONDS

    # One shard's queued run starts: it clears its own flag before reading, so what commits
    # from now on enqueues that shard's next run; the other shards' runs are still queued.
    with mock.patch("projections.runner.catch_up", return_value=0):
        tasks.catch_up("cart_summaries", shard=1, follow_up=False)
    assert redis_broker.get(tasks.pending_key("cart_summaries", 1)) is None
    assert redis_broker.get(tasks.pending_key("cart_summaries", 0)) == b"1"
    with enqueues() as (enqueued_again, sealed_again):
        committed(capture, new_cart)
    assert enqueued_again.call_args_list == woken([("cart_summaries", 1)])
    sealed_again.assert_not_called()

    # The seal clears its flag as it starts, so the next commit enqueues another seal.
    tasks.seal()
    with enqueues() as (not_again, sealed_later):
        committed(capture, new_cart)
    not_again.assert_not_called()
    sealed_later.assert_called_once_with(retry=False, countdown=1.0)


def committed(capture, make):  # type: ignore[no-untyped-def]
    """Run ``make`` as if its transaction committed, then wait for the waker to act on it."""
    with capture(execute=True):
        make()
    assert tasks.waker.flush()


def test_only_a_shards_own_catch_up_clears_its_flag(redis_broker, db):
    flag = tasks.pending_key("cart_summaries", 0)
    redis_broker.set(flag, "1")
    # The whole projection, as staff ask for it: done here, the flag left to the queued run.
    assert tasks.catch_up("cart_summaries", follow_up=False) == {"cart_summaries": 0}
    tasks.catch_up("cart_summaries", shard=1, follow_up=False)
    tasks.catch_up("product_activity", shard=0, follow_up=False)
    assert redis_broker.get(flag) == b"1"
    tasks.catch_up("cart_summaries", shard=0, follow_up=False)
    assert redis_broker.get(flag) is None


def test_the_periodic_catch_up_hands_out_one_task_per_shard_not_already_queued(redis_broker, db):
    redis_broker.set(tasks.pending_key("product_activity", 0), "1")
    with enqueues() as (enqueued, _):
        assert tasks.catch_up() == {}
    queued = [s for s in EVERY_SHARD if s != ("product_activity", 0)]
    assert enqueued.call_args_list == each_shard(queued, retry_now=False)
    assert all(redis_broker.get(tasks.pending_key(*s)) == b"1" for s in EVERY_SHARD)
    # Staff asking for a retry now get every shard, queued or not.
    with enqueues() as (retried, _):
        tasks.catch_up(retry_now=True)
    assert retried.call_args_list == each_shard(EVERY_SHARD, retry_now=True)


@contextmanager
def sent_to(broker_url):  # type: ignore[no-untyped-def]
    """Commits made inside publish to this broker; yields the mocked catch-up publisher."""
    with (
        celery_settings(broker_url=broker_url, task_always_eager=False),
        enqueues() as (
            enqueued,
            _,
        ),
    ):
        yield enqueued


ONE_SHARD_EACH = [(name, 0) for name in ("cart_summaries", "product_activity", "daily_funnel")]


def test_without_redis_as_broker_every_wake_enqueues(new_cart, django_capture_on_commit_callbacks):
    with sent_to("amqp://guest@127.0.0.1:5672//") as enqueued:
        committed(django_capture_on_commit_callbacks, new_cart)
        committed(django_capture_on_commit_callbacks, new_cart)
    assert enqueued.call_args_list == woken(ONE_SHARD_EACH) * 2


def test_a_redis_that_cannot_be_reached_still_tries_to_enqueue(
    new_cart, django_capture_on_commit_callbacks, event_count
):
    # Nothing listens on port 1 of this machine: the flags cannot be set, so publish as before.
    with sent_to("redis://127.0.0.1:1/0") as enqueued:
        committed(django_capture_on_commit_callbacks, new_cart)
    assert enqueued.call_args_list == woken(ONE_SHARD_EACH)
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
    assert enqueued.call_args_list == woken(ONE_SHARD_EACH)


def test_a_commit_seals_what_it_wrote_with_the_catch_up(
    new_cart, event_count, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_cart({"TEA-001": 1})

    assert sum(Seal.objects.values_list("events", flat=True)) == event_count() == 2
