"""Work woken after commits is queued once per burst: a shard's run asks for no follow-up when
its next run is queued already, and webhook delivery runs coalesce as catch-ups do."""

from __future__ import annotations

from unittest import mock

from projections import tasks
from projections.webhooks import tasks as webhook_tasks
from projections.webhooks.models import WebhookSubscription

TARGET = "https://receiver.example/hooks"


def _run_while_a_commit_queues_the_next(redis_queue, *, commit_meanwhile: bool) -> mock.Mock:
    """Run cart_summaries shard 0, which reads nothing while a committed event waits; returns
    the mocked publisher of follow-ups."""
    flag = tasks.pending_key("cart_summaries", 0)

    def read_nothing(*args, **kwargs):  # type: ignore[no-untyped-def]
        if commit_meanwhile:
            redis_queue.set(flag, "1")  # what a commit's wake does once the run has started
        return 0

    with (
        mock.patch("projections.runner.catch_up", side_effect=read_nothing),
        mock.patch.object(tasks.catch_up, "apply_async") as enqueued,
    ):
        tasks.catch_up("cart_summaries", shard=0)
    return enqueued


def test_a_run_whose_next_run_is_queued_already_asks_for_no_follow_up(
    redis_queue, new_cart, project
):
    project()
    new_cart({"TEA-001": 1})  # committed, and left unread by the runs below

    assert not _run_while_a_commit_queues_the_next(redis_queue, commit_meanwhile=True).called
    follow_up = _run_while_a_commit_queues_the_next(redis_queue, commit_meanwhile=False)
    follow_up.assert_called_once_with(
        retry=False,
        kwargs={"name": "cart_summaries", "shard": 0, "follow_up": False},
        countdown=tasks.FOLLOW_UP_SECONDS,
    )


def test_without_an_active_subscription_a_commit_queues_no_delivery_run(redis_queue, db):
    subscription = WebhookSubscription.objects.create(target_url=TARGET)
    subscription.status = WebhookSubscription.Status.PAUSED
    subscription.save()
    with mock.patch.object(webhook_tasks.deliver, "apply_async") as enqueued:
        webhook_tasks._wake_deliveries()
    enqueued.assert_not_called()

    # Resuming it is seen at the next wake in this process (other processes within seconds).
    subscription.status = WebhookSubscription.Status.ACTIVE
    subscription.save()
    with mock.patch.object(webhook_tasks.deliver, "apply_async") as enqueued:
        webhook_tasks._wake_deliveries()
    enqueued.assert_called_once_with(retry=False)


def test_commits_coalesce_into_one_queued_delivery_run_until_it_starts(redis_queue, db):
    WebhookSubscription.objects.create(target_url=TARGET)
    with mock.patch.object(webhook_tasks.deliver, "apply_async") as enqueued:
        for _ in range(3):
            webhook_tasks._wake_deliveries()
    enqueued.assert_called_once_with(retry=False)

    webhook_tasks.deliver()  # the queued run starts: commits from now on ask for the next one
    with mock.patch.object(webhook_tasks.deliver, "apply_async") as enqueued_again:
        webhook_tasks._wake_deliveries()
        webhook_tasks._wake_deliveries()
    enqueued_again.assert_called_once_with(retry=False)


def test_a_reader_waiting_for_the_analytics_asks_for_their_catch_up_now_once_a_second(
    redis_queue, db
):
    # They linger a second after a commit; a ?min_position= read would spend half its wait on it.
    with mock.patch.object(tasks.catch_up, "apply_async") as enqueued:
        tasks.hurry(["cart_summaries", "product_activity", "daily_funnel"])
        tasks.hurry(["product_activity"])  # another reader in the same second
    assert enqueued.call_args_list == [
        mock.call(retry=False, kwargs={"name": "product_activity", "shard": 0}),
        mock.call(retry=False, kwargs={"name": "daily_funnel", "shard": 0}),
    ]
    assert 0 < redis_queue.pttl(tasks.pending_key("product_activity:hurried", 0)) <= 1000


def test_a_min_position_read_hurries_only_what_has_not_got_there(db, monkeypatch):
    from projections import freshness, selectors

    asked: list[list[str]] = []
    monkeypatch.setattr(tasks, "hurry", asked.append)
    monkeypatch.setattr(selectors, "projection_includes", lambda name, position: True)
    with freshness.reading_at_least(5, names=["daily_funnel"], timeout=0.1) as included:
        assert included is True
    assert asked == []
    monkeypatch.setattr(selectors, "projection_includes", lambda name, position: False)
    with freshness.reading_at_least(5, names=["daily_funnel"], timeout=0.1) as included:
        assert included is False
    assert asked == [["daily_funnel"]]
