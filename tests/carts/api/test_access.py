"""Who may see and change which cart, and who may read the feed: the access matrix."""

from __future__ import annotations

import pytest
from django.middleware.csrf import get_token
from django.test import RequestFactory
from rest_framework.test import APIClient

from tests.carts.api.conftest import problem_of

CART_READERS = {"as_owner": 200, "as_other": 404, "anonymous": 401, "as_staff": 200}
FEED_READERS = {
    "as_owner": 403,
    "as_other": 403,
    "anonymous": 401,
    "as_staff": 200,
    "as_integration": 200,
}


@pytest.mark.parametrize(("who", "status"), [*CART_READERS.items(), ("as_integration", 200)])
def test_who_may_read_a_cart(request, new_cart, who, status):
    cart_id = new_cart(("TEA-001", 1))
    client: APIClient = request.getfixturevalue(who)
    assert client.get(f"/api/carts/{cart_id}/").status_code == status
    assert client.get(f"/api/carts/{cart_id}/events/").status_code == status


@pytest.mark.parametrize(("who", "status"), CART_READERS.items())
def test_who_may_change_a_cart(request, new_cart, event_count, who, status):
    cart_id = new_cart()
    before = event_count()
    client: APIClient = request.getfixturevalue(who)
    response = client.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert response.status_code == status
    assert event_count() == before + (1 if status == 200 else 0)


def test_another_shoppers_cart_looks_exactly_like_a_missing_one(as_other, new_cart):
    cart_id = new_cart()
    body = problem_of(as_other.get(f"/api/carts/{cart_id}/"))
    assert body["code"] == "cart_not_found"


@pytest.mark.parametrize(
    ("who", "status"),
    [("as_owner", 403), ("as_integration", 403), ("anonymous", 401), ("as_staff", 200)],
)
def test_only_staff_abandon_carts(request, new_cart, event_count, who, status):
    cart_id = new_cart()
    before = event_count()
    client: APIClient = request.getfixturevalue(who)
    response = client.post(f"/api/carts/{cart_id}/abandon/", {}, format="json")
    assert response.status_code == status
    assert event_count() == before + (1 if status == 200 else 0)


@pytest.mark.parametrize(("who", "status"), FEED_READERS.items())
def test_who_may_read_the_event_feed(request, who, status):
    client: APIClient = request.getfixturevalue(who)
    response = client.get("/api/events/")
    assert response.status_code == status
    if status != 200:
        problem_of(response)


def test_anonymous_callers_are_told_how_to_authenticate(anonymous):
    response = anonymous.get("/api/events/")
    assert response["WWW-Authenticate"] == "Token"
    assert problem_of(response)["code"] == "not_authenticated"


def test_an_unknown_token_is_refused(db, event_count):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.post("/api/carts/", {}, format="json")
    assert response.status_code == 401
    assert problem_of(response)["code"] == "authentication_failed"
    assert event_count() == 0


def test_a_browser_session_needs_the_csrf_token_to_change_a_cart(owner, catalog, event_count):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(owner)
    refused = browser.post("/api/carts/", {}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in problem_of(refused)["detail"]
    assert event_count() == 0
    issued = RequestFactory().get("/")
    token = get_token(issued)
    browser.cookies["csrftoken"] = issued.META["CSRF_COOKIE"]
    accepted = browser.post("/api/carts/", {}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert event_count() == 1


def test_a_browser_session_reads_its_own_cart_without_a_token(owner, new_cart):
    cart_id = new_cart()
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get(f"/api/carts/{cart_id}/").status_code == 200
