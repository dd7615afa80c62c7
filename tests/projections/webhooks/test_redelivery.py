"""Redelivering one event and replaying from a checkpoint: same webhook-ids, nothing skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from eventstore.store import read_all
from projections.webhooks import delivery, subscriptions, tasks
from projections.webhooks.models import WebhookDelivery
from projections.webhooks.redelivery import redeliver
from projections.webhooks.subscriptions import InvalidSubscription

Outcome = WebhookDelivery.Outcome


def test_redelivering_sends_the_same_webhook_id_and_leaves_the_checkpoint(
    receiver, subscribe, new_cart
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    sub.refresh_from_db()
    checkpoint = sub.checkpoint
    first = WebhookDelivery.objects.order_by("id")[0]
    again = redeliver(first.pk)
    assert again.outcome == Outcome.REDELIVERED
    assert again.attempt == 2
    assert receiver.received[-1].webhook_id == str(first.event_id)
    sub.refresh_from_db()
    assert sub.checkpoint == checkpoint


def test_replaying_from_a_checkpoint_sends_everything_after_it_again_in_order(
    receiver, subscribe, new_cart
):
    new_cart({"TEA-001": 1, "MUG-001": 1})
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    events = read_all("").events
    subscriptions.replay_from(sub.pk, events[0].checkpoint)
    delivery.deliver(sub.pk)
    ids = [str(e.event_id) for e in events]
    assert receiver.delivered_ids() == ids + ids[1:]


@pytest.mark.parametrize("checkpoint", ["nonsense", "1:999999", "-5:x"])
def test_replaying_from_a_checkpoint_the_log_never_gave_is_refused(subscribe, checkpoint):
    sub = subscribe("http://93.184.215.14/hook")
    with pytest.raises(InvalidSubscription) as refused:
        subscriptions.replay_from(sub.pk, checkpoint)
    assert refused.value.code == "invalid_checkpoint"
    sub.refresh_from_db()
    assert sub.checkpoint == ""


def test_without_a_broker_a_commit_calls_no_receiver(receiver, subscribe, new_cart):
    subscribe(receiver.url)
    new_cart({"TEA-001": 1})  # the shopper's request must not wait for the receiver
    assert receiver.received == []
    assert tasks.deliver() == 1  # what `manage.py webhooks deliver` runs: one due subscription
    assert len(receiver.received) == 2


def test_a_new_subscription_starts_at_the_head_of_the_log(receiver, new_cart, settings):
    new_cart({"TEA-001": 1})
    sub = subscriptions.create(subscriptions.Changes(target_url=receiver.url), created_by="user:1")
    assert delivery.deliver(sub.pk) == 0
    new_cart()
    assert delivery.deliver(sub.pk) == 1


def test_the_delivery_log_is_pruned_after_its_keeping_time(receiver, subscribe, new_cart, settings):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    old = WebhookDelivery.objects.order_by("id")[0]
    WebhookDelivery.objects.filter(pk=old.pk).update(
        attempted_at=timezone.now() - timedelta(days=31)
    )
    settings.WEBHOOKS_LOG_KEEP_DAYS = 30
    assert tasks.prune_log() == 1
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
    assert WebhookDelivery.objects.count() == 1
