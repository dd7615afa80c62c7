"""Delivering from the log to a local receiver: signed, in order, at least once, resumable."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from eventstore.checkpoints import checkpoint_position
from eventstore.store import read_all
from projections.webhooks import delivery, sending, subscriptions
from projections.webhooks.models import WebhookDelivery, WebhookSubscription

Outcome = WebhookDelivery.Outcome


def logged_events() -> list[dict]:
    return [
        {"id": str(e.event_id), "stream": e.stream_id, "version": e.version}
        for e in read_all("", limit=1000).events
    ]


def test_every_delivery_verifies_with_the_packages_own_verifier(receiver, subscribe, new_cart):
    new_cart({"TEA-001": 2})
    sub = subscribe(receiver.url)
    assert delivery.deliver(sub.pk) == 2
    assert len(receiver.received) == 2
    for request, event in zip(receiver.received, read_all("").events, strict=True):
        message = Webhook(sub.secret).verify(request.body, request.headers)
        assert request.webhook_id == str(event.event_id)
        assert message["type"] == event.event_type
        assert message["data"]["event_id"] == str(event.event_id)
        assert message["data"]["stream_id"] == event.stream_id
        assert message["data"]["checkpoint"] == event.checkpoint
        assert message["data"]["payload"] == event.payload
        assert message["timestamp"] == event.recorded_at.isoformat()


def test_a_tampered_body_does_not_verify(receiver, subscribe, new_cart):
    new_cart()
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    request = receiver.received[0]
    tampered = request.body.replace('"version":1', '"version":2')
    assert tampered != request.body
    try:
        Webhook(sub.secret).verify(tampered, request.headers)
    except Exception as error:
        assert "signature" in str(error).lower()
    else:
        raise AssertionError("a tampered body verified")


def test_a_receiver_failing_at_first_still_gets_every_event_once_and_in_order_per_cart(
    receiver, subscribe, new_cart, run_until_quiet
):
    for _ in range(3):
        new_cart({"TEA-001": 1, "MUG-001": 2})
    receiver.script = [500, 503, "hang", 500, 200, 502, "hang", 429]
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    sub.refresh_from_db()
    expected = logged_events()
    delivered = receiver.delivered_ids()
    assert sorted(delivered) == sorted(e["id"] for e in expected)
    assert len(set(delivered)) == len(delivered)
    by_cart = defaultdict(list)
    for request in receiver.received:
        if request.answered == 200:
            data = json.loads(request.body)["data"]
            by_cart[data["stream_id"]].append(data["version"])
    assert all(versions == sorted(versions) for versions in by_cart.values())
    assert sub.status == WebhookSubscription.Status.ACTIVE
    assert checkpoint_position(sub.checkpoint) == read_all("").events[-1].position
    retrying = WebhookDelivery.objects.filter(outcome=Outcome.RETRYING)
    assert retrying.count() == 7
    assert {d.response_code for d in retrying} == {500, 503, 502, 429, None}
    assert all("timeout" in d.error for d in retrying if d.response_code is None)


def test_a_retry_waits_its_turn_and_the_same_webhook_id_is_sent_again(
    receiver, subscribe, new_cart, clock
):
    new_cart()
    receiver.script = [500]
    sub = subscribe(receiver.url)
    assert delivery.deliver(sub.pk, clock=clock) == 0
    sub.refresh_from_db()
    assert sub.attempts == 1
    assert sub.next_attempt_at > clock.now
    assert delivery.deliver(sub.pk, clock=clock) == 0  # not yet due: nothing sent
    assert len(receiver.received) == 1
    clock.now = sub.next_attempt_at
    assert delivery.deliver(sub.pk, clock=clock) == 1
    assert receiver.received[0].webhook_id == receiver.received[1].webhook_id


def test_a_worker_killed_after_sending_sends_the_same_event_again_once_its_lease_lapses(
    receiver, subscribe, new_cart, clock
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    claim = delivery.claim_next(sub.pk, now=clock())
    assert claim is not None
    first = claim.events[0]
    with delivery.transport.new_client() as client:
        sending.send(claim.subscription, first, client)  # ... and the worker dies here
    assert delivery.deliver(sub.pk, clock=clock) == 0  # its lease still holds
    clock.now += delivery.lease_length()
    assert delivery.deliver(sub.pk, clock=clock) == 2
    ids = [r.webhook_id for r in receiver.received]
    assert ids == [str(first.event_id), str(first.event_id), ids[2]]
    assert ids[2] != ids[0]
    sub.refresh_from_db()
    assert checkpoint_position(sub.checkpoint) == read_all("").events[-1].position


def test_a_late_answer_after_a_replay_moves_nothing(receiver, subscribe, new_cart, clock):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    claim = delivery.claim_next(sub.pk, now=clock())
    assert claim is not None
    with delivery.transport.new_client() as client:
        answer = sending.send(claim.subscription, claim.events[0], client)
    subscriptions.replay_from(sub.pk, "")
    assert delivery.record(claim, claim.events[0], answer, now=clock()) is False
    sub.refresh_from_db()
    assert sub.checkpoint == ""
    assert WebhookDelivery.objects.get().attempt == 0


def test_retries_that_run_out_mark_the_event_failed_and_pause_with_the_reason(
    receiver, subscribe, new_cart, run_until_quiet, settings
):
    settings.WEBHOOKS_RETRY_SCHEDULE = [5, 60]
    new_cart({"TEA-001": 1})
    receiver.script = [500, 500, 500]
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    sub.refresh_from_db()
    assert sub.status == WebhookSubscription.Status.PAUSED
    assert "failed after 3 attempt(s)" in sub.paused_reason
    assert "answered 500" in sub.paused_reason
    outcomes = list(WebhookDelivery.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    assert sub.checkpoint == ""  # nothing was skipped


def test_a_paused_subscription_resumes_at_the_event_it_stopped_at(
    receiver, subscribe, new_cart, run_until_quiet
):
    new_cart({"TEA-001": 1})
    receiver.script = [400]
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    sub.refresh_from_db()
    assert sub.status == WebhookSubscription.Status.PAUSED
    assert "answered 400" in sub.paused_reason
    subscriptions.resume(sub.pk)
    run_until_quiet(sub)
    assert receiver.delivered_ids() == [e["id"] for e in logged_events()]
    assert receiver.received[0].webhook_id == receiver.received[1].webhook_id


def test_a_receiver_down_for_an_hour_loses_nothing(receiver, subscribe, new_cart, clock):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    receiver.server.stop()  # connections refused from now on
    started = clock.now
    while clock.now < started + timedelta(hours=1):
        delivery.deliver(sub.pk, clock=clock)
        sub.refresh_from_db()
        assert sub.status == WebhookSubscription.Status.ACTIVE
        clock.now = sub.next_attempt_at
    assert WebhookDelivery.objects.filter(outcome=Outcome.RETRYING).count() >= 3
    assert "connection error" in WebhookDelivery.objects.order_by("id")[0].error
    receiver.server.start()
    delivery.deliver(sub.pk, clock=clock)
    assert receiver.delivered_ids() == [e["id"] for e in logged_events()]


def test_a_redirect_is_not_followed_and_pauses(receiver, subscribe, new_cart, run_until_quiet):
    new_cart()
    receiver.script = [302]
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    sub.refresh_from_db()
    assert len(receiver.received) == 1
    assert sub.status == WebhookSubscription.Status.PAUSED
    assert WebhookDelivery.objects.get().response_code == 302


def test_a_huge_answer_is_read_only_up_to_the_cap(receiver, subscribe, new_cart, settings):
    settings.WEBHOOKS_MAX_RESPONSE_BYTES = 1024
    receiver.server.clear()
    receiver.server.expect_request("/hook").respond_with_data("x" * 5_000_000)
    new_cart()
    sub = subscribe(receiver.url)
    assert delivery.deliver(sub.pk) == 1


def test_filters_deliver_only_what_was_asked_and_still_move_past_the_rest(
    receiver, subscribe, new_cart
):
    new_cart({"TEA-001": 1, "MUG-001": 1})
    sub = subscribe(receiver.url, event_types=["cart.ItemAdded"])
    assert delivery.deliver(sub.pk) == 2
    types = {json.loads(r.body)["type"] for r in receiver.received}
    assert types == {"cart.ItemAdded"}
    sub.refresh_from_db()
    assert checkpoint_position(sub.checkpoint) == read_all("").events[-1].position


def test_a_stream_type_filter_that_matches_nothing_moves_the_checkpoint_to_the_head(
    receiver, subscribe, new_cart
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url, stream_types=["cart"], event_types=["cart.CartCheckedOut"])
    assert delivery.deliver(sub.pk) == 0
    sub.refresh_from_db()
    assert receiver.received == []
    assert checkpoint_position(sub.checkpoint) == read_all("").events[-1].position


def test_an_answer_that_comes_after_staff_paused_still_moves_the_checkpoint_and_stops(
    receiver, subscribe, new_cart, clock
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    claim = delivery.claim_next(sub.pk, now=clock())
    assert claim is not None
    with delivery.transport.new_client() as client:
        answer = sending.send(claim.subscription, claim.events[0], client)
    subscriptions.update(sub.pk, subscriptions.Changes(active=False))
    assert delivery.record(claim, claim.events[0], answer, now=clock()) is False
    sub.refresh_from_db()
    assert sub.checkpoint == claim.events[0].checkpoint
    assert sub.status == WebhookSubscription.Status.PAUSED
    assert WebhookDelivery.objects.get().outcome == Outcome.DELIVERED


def test_a_rotation_while_sending_keeps_the_checkpoint_the_runner_moved(
    receiver, subscribe, new_cart, clock
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    claim = delivery.claim_next(sub.pk, now=clock())
    assert claim is not None
    stale = WebhookSubscription.objects.get(pk=sub.pk)  # read before the checkpoint moves
    with delivery.transport.new_client() as client:
        answer = sending.send(claim.subscription, claim.events[0], client)
    assert delivery.record(claim, claim.events[0], answer, now=clock()) is True
    subscriptions.rotate_secret(stale.pk)
    sub.refresh_from_db()
    assert sub.checkpoint == claim.events[0].checkpoint
    assert sub.secret != stale.secret


@pytest.mark.parametrize("status", [200, 500])
def test_a_subscription_deleted_while_sending_is_let_go_without_failing_the_runner(
    receiver, subscribe, new_cart, clock, status
):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    claim = delivery.claim_next(sub.pk, now=clock())
    assert claim is not None
    receiver.script.append(status)
    with delivery.transport.new_client() as client:
        answer = sending.send(claim.subscription, claim.events[0], client)
    WebhookSubscription.objects.filter(pk=sub.pk).delete()

    assert delivery.record(claim, claim.events[0], answer, now=clock()) is False
    assert not WebhookDelivery.objects.exists()
