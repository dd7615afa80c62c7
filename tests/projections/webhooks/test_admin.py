"""Webhooks in the admin: subscribing (with the same checks), the delivery log, redeliver,
replay, and why a subscription was paused."""

from __future__ import annotations

from django.core.management import call_command

from eventstore.store import read_all
from projections.webhooks import delivery
from projections.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.admin_fixtures import staff_member

SUBSCRIPTIONS = "/admin/projections/webhooksubscription/"
DELIVERIES = "/admin/projections/webhookdelivery/"


def test_staff_subscribe_in_the_admin_and_get_a_secret(admin_client, allow_loopback):
    response = admin_client.post(
        f"{SUBSCRIPTIONS}add/",
        {"description": "ERP", "target_url": "http://127.0.0.1:9/hook", "event_types": []},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = WebhookSubscription.objects.get()
    assert sub.secret.startswith("whsec_")
    assert sub.created_by.startswith("user:")


def test_the_admin_refuses_a_private_target_and_saves_nothing(admin_client):
    response = admin_client.post(f"{SUBSCRIPTIONS}add/", {"target_url": "http://10.0.0.1/x"})
    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_shows_each_attempt_and_a_paused_subscription_says_why(
    admin_client, receiver, subscribe, new_cart, run_until_quiet
):
    new_cart()
    receiver.script = [410]
    sub = subscribe(receiver.url)
    run_until_quiet(sub)
    log = admin_client.get(DELIVERIES).content.decode()
    assert "cart.CartCreated" in log
    assert "410" in log
    page = admin_client.get(SUBSCRIPTIONS).content.decode()
    assert "answered 410" in page


def test_the_redeliver_action_sends_the_same_event_again(
    admin_client, receiver, subscribe, new_cart
):
    new_cart()
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    first = WebhookDelivery.objects.get()
    admin_client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [first.pk]})
    assert [r.webhook_id for r in receiver.received] == [str(first.event_id)] * 2
    assert WebhookDelivery.objects.filter(outcome=WebhookDelivery.Outcome.REDELIVERED).exists()


def test_the_replay_action_moves_the_checkpoint_back(admin_client, receiver, subscribe, new_cart):
    new_cart({"TEA-001": 1})
    sub = subscribe(receiver.url)
    delivery.deliver(sub.pk)
    first = read_all("").events[0]
    admin_client.post(
        SUBSCRIPTIONS,
        {"action": "replay", "_selected_action": [sub.pk], "checkpoint": first.checkpoint},
    )
    sub.refresh_from_db()
    assert sub.checkpoint == first.checkpoint


def test_the_replay_action_refuses_a_made_up_checkpoint(admin_client, subscribe):
    sub = subscribe("http://93.184.215.14/hook")
    response = admin_client.post(
        SUBSCRIPTIONS,
        {"action": "replay", "_selected_action": [sub.pk], "checkpoint": "9:999"},
        follow=True,
    )
    assert "names no event" in response.content.decode()
    sub.refresh_from_db()
    assert sub.checkpoint == ""


def test_the_pause_and_resume_actions(admin_client, subscribe):
    sub = subscribe("http://93.184.215.14/hook")
    admin_client.post(SUBSCRIPTIONS, {"action": "pause", "_selected_action": [sub.pk]})
    sub.refresh_from_db()
    assert sub.status == WebhookSubscription.Status.PAUSED
    admin_client.post(SUBSCRIPTIONS, {"action": "resume", "_selected_action": [sub.pk]})
    sub.refresh_from_db()
    assert sub.status == WebhookSubscription.Status.ACTIVE


def test_the_deliver_command_delivers_without_a_broker(receiver, subscribe, new_cart, capsys):
    new_cart()
    subscribe(receiver.url)
    call_command("webhooks", "deliver")
    assert "delivered 1 event(s)" in capsys.readouterr().out
    call_command("webhooks", "status")
    assert receiver.url in capsys.readouterr().out


def test_a_reader_sees_a_subscription_in_the_admin_but_not_its_secret(client, subscribe):
    sub = subscribe("http://93.184.215.14/hook")
    reader = staff_member("vera", "view_webhooksubscription")
    client.force_login(reader)
    page = client.get(f"{SUBSCRIPTIONS}{sub.pk}/change/")
    assert page.status_code == 200
    assert "93.184.215.14" in page.content.decode()
    assert sub.secret not in page.content.decode()


def test_a_manager_sees_the_secret_to_copy_it(admin_client, subscribe):
    sub = subscribe("http://93.184.215.14/hook")
    assert sub.secret in admin_client.get(f"{SUBSCRIPTIONS}{sub.pk}/change/").content.decode()
