"""/api/webhooks/: who may read and manage subscriptions, and refusals that write nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from rest_framework.test import APIClient

from carts.api.permissions import INTEGRATION_GROUP
from projections.webhooks.models import WebhookSubscription
from tests.carts.api.conftest import problem_of, token_client

# A literal public address: checked without asking DNS.
TARGET = "https://93.184.215.14/hooks/ledger"


def create(client: APIClient, **body) -> dict:
    response = client.post("/api/webhooks/", {"target_url": TARGET, **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def other_integration(db) -> APIClient:
    user = User.objects.create_user("crm-bot")
    user.groups.add(Group.objects.get_or_create(name=INTEGRATION_GROUP)[0])
    return token_client(user)


@pytest.fixture
def webhook_manager(db) -> APIClient:
    user = User.objects.create_user("wendy", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_webhooksubscription"))
    return token_client(user)


def test_an_integration_subscribes_and_is_shown_the_secret_once(as_integration):
    created = create(as_integration, event_types=["cart.ItemAdded"], description="ERP")
    assert created["secret"].startswith("whsec_")
    assert created["status"] == "active"
    assert created["event_types"] == ["cart.ItemAdded"]
    shown = as_integration.get(f"/api/webhooks/{created['id']}/").json()
    assert "secret" not in shown
    assert [s["id"] for s in as_integration.get("/api/webhooks/").json()] == [created["id"]]


def test_an_integration_sees_only_its_own_subscriptions(as_integration, other_integration):
    mine = create(as_integration)
    assert other_integration.get("/api/webhooks/").json() == []
    for method in ("get", "delete"):
        response = getattr(other_integration, method)(f"/api/webhooks/{mine['id']}/")
        assert response.status_code == 404
        assert problem_of(response)["code"] == "webhook_not_found"
    assert WebhookSubscription.objects.count() == 1


def test_auditors_read_every_subscription_but_change_none(as_integration, as_staff):
    created = create(as_integration)
    assert [s["id"] for s in as_staff.get("/api/webhooks/").json()] == [created["id"]]
    refusals = [
        as_staff.post("/api/webhooks/", {"target_url": TARGET}, format="json"),
        as_staff.patch(f"/api/webhooks/{created['id']}/", {"active": False}, format="json"),
        as_staff.delete(f"/api/webhooks/{created['id']}/"),
        as_staff.post(f"/api/webhooks/{created['id']}/rotate-secret/", {}, format="json"),
    ]
    assert [r.status_code for r in refusals] == [403] * 4
    assert "auditors may only read" in problem_of(refusals[0])["detail"]
    assert WebhookSubscription.objects.get().status == "active"


def test_staff_with_the_change_permission_manage_every_subscription(
    as_integration, webhook_manager
):
    created = create(as_integration)
    response = webhook_manager.patch(
        f"/api/webhooks/{created['id']}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "paused"
    assert response.json()["paused_reason"] == "paused by request"


def test_a_shopper_is_refused_and_an_anonymous_caller_asked_to_sign_in(as_owner, anonymous):
    assert as_owner.get("/api/webhooks/").status_code == 403
    assert as_owner.post("/api/webhooks/", {"target_url": TARGET}, format="json").status_code == 403
    assert anonymous.get("/api/webhooks/").status_code == 401
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"target_url": "http://127.0.0.1/hook"}, 422, "target_not_allowed", "target_url"),
        ({"target_url": "http://10.0.0.8/hook"}, 422, "target_not_allowed", "target_url"),
        ({"target_url": "http://169.254.169.254/"}, 422, "target_not_allowed", "target_url"),
        ({"target_url": "http://[::1]/hook"}, 422, "target_not_allowed", "target_url"),
        ({"target_url": "http://localhost/hook"}, 422, "target_not_allowed", "target_url"),
        ({"target_url": "ftp://93.184.215.14/"}, 400, "invalid_target_url", "target_url"),
        ({"target_url": TARGET, "event_types": ["cart.Nope"]}, 422, "unknown_event_type", None),
        ({"target_url": TARGET, "stream_types": ["order"]}, 422, "unknown_stream_type", None),
        ({"target_url": 42}, 400, "invalid_input", "target_url"),
        ({}, 400, "invalid_input", "target_url"),
        ({"target_url": TARGET, "colour": "red"}, 400, "invalid_input", "colour"),
        ({"target_url": TARGET, "active": "yes"}, 400, "invalid_input", "active"),
        ({"target_url": TARGET, "event_types": "cart.ItemAdded"}, 400, "invalid_input", None),
    ],
)
def test_invalid_subscriptions_are_refused_with_a_problem_and_write_nothing(
    as_integration, new_cart, event_count, body, status, code, field
):
    new_cart()
    before = event_count()
    response = as_integration.post("/api/webhooks/", body, format="json")
    problem = problem_of(response)
    assert (response.status_code, problem["code"]) == (status, code)
    if field:
        assert field in problem["errors"]
    assert not WebhookSubscription.objects.exists()
    assert event_count() == before


def test_a_refused_change_changes_nothing(as_integration):
    created = create(as_integration)
    url = f"/api/webhooks/{created['id']}/"
    response = as_integration.patch(url, {"target_url": "http://192.168.1.1/"}, format="json")
    assert response.status_code == 422
    assert WebhookSubscription.objects.get().target_url == TARGET


def test_rotating_gives_a_new_secret_and_keeps_the_old_one_signing_for_the_overlap(
    as_integration,
):
    created = create(as_integration)
    url = f"/api/webhooks/{created['id']}/rotate-secret/"
    response = as_integration.post(url, {"overlap_seconds": 3600}, format="json")
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["secret"] != created["secret"]
    assert rotated["secret_rotated_until"] is not None
    sub = WebhookSubscription.objects.get()
    assert sub.previous_secret == created["secret"]
    refused = as_integration.post(url, {"overlap_seconds": -1}, format="json")
    assert refused.status_code == 400
    assert WebhookSubscription.objects.get().secret == rotated["secret"]


def test_replay_moves_the_checkpoint_and_refuses_one_the_log_never_gave(as_integration, new_cart):
    new_cart()
    created = create(as_integration)
    url = f"/api/webhooks/{created['id']}/replay/"
    assert as_integration.post(url, {"after": "0:0"}, format="json").json()["checkpoint"] == "0:0"
    refused = as_integration.post(url, {"after": "12:999999"}, format="json")
    assert refused.status_code == 400
    assert problem_of(refused)["code"] == "invalid_checkpoint"


def test_deleting_a_subscription(as_integration):
    created = create(as_integration)
    assert as_integration.delete(f"/api/webhooks/{created['id']}/").status_code == 204
    assert as_integration.get(f"/api/webhooks/{created['id']}/").status_code == 404
    assert not WebhookSubscription.objects.exists()
