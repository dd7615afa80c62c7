"""Error pages in the shop's look, with no trace and nothing about the person; under /api/ every
error stays a problem document."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.config.failing_urls import PERSONAL, TOKEN

PROBLEM = "application/problem+json"
# What an error page must never show: a trace, the exception's text, or who is asking.
NEVER_SHOWN = ("Traceback", "RuntimeError", "PermissionDenied", PERSONAL, TOKEN, "csrf")


@pytest.fixture
def client() -> Client:
    """A signed-in shopper whose user name is an e-mail address, as a careless page would show."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_user(PERSONAL, password="x"))
    return client


def assert_branded(html: str, heading: str) -> None:
    assert f"<h1>{heading}</h1>" in html
    assert "Ledger Shop" in html and "/static/css/shop.css" in html
    assert [word for word in NEVER_SHOWN if word in html] == []


def assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert [word for word in NEVER_SHOWN if word in response.content.decode()] == []


def test_a_missing_page_is_a_branded_404(db, client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_branded(response.content.decode(), "Page not found")


def test_another_persons_cart_is_the_same_branded_404(db, client: Client) -> None:
    response = client.get("/carts/00000000-0000-4000-8000-000000000000/history/")
    assert response.status_code == 404
    assert_branded(response.content.decode(), "Page not found")


@pytest.mark.urls("tests.config.failing_urls")
def test_a_crash_is_a_branded_500_without_its_trace(db, client: Client) -> None:
    response = client.get("/crash/")
    assert response.status_code == 500
    assert_branded(response.content.decode(), "Something went wrong on our side")


@pytest.mark.urls("tests.config.failing_urls")
def test_a_refusal_is_a_branded_403(db, client: Client) -> None:
    response = client.get("/refuse/")
    assert response.status_code == 403
    assert_branded(response.content.decode(), "Not allowed")


def test_a_form_without_its_csrf_token_is_a_branded_403(db) -> None:
    response = Client(enforce_csrf_checks=True).post("/cart/add/", {"sku": "TEA-001"})
    assert response.status_code == 403
    assert_branded(response.content.decode(), "This form has expired")


def test_a_host_not_served_is_a_branded_400(db) -> None:
    response = Client().get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert_branded(response.content.decode(), "Bad request")


def test_an_unknown_api_path_stays_a_problem_document(db, client: Client) -> None:
    assert_problem(client.get("/api/no-such-endpoint/"), 404, "not_found")


def test_a_missing_api_object_stays_a_problem_document(db, client: Client) -> None:
    missing = "/api/carts/00000000-0000-4000-8000-000000000000/"
    assert_problem(client.get(missing), 404, "cart_not_found")


@pytest.mark.urls("tests.config.failing_urls")
def test_a_crash_under_the_api_outside_drf_is_a_problem_document(db, client: Client) -> None:
    assert_problem(client.get("/api/crash/"), 500, "server_error")


@pytest.mark.urls("tests.config.failing_urls")
def test_a_refusal_under_the_api_outside_drf_is_a_problem_document(db, client: Client) -> None:
    assert_problem(client.get("/api/refuse/"), 403, "permission_denied")


def test_a_host_not_served_under_the_api_is_a_problem_document(db) -> None:
    assert_problem(Client().get("/api/carts/", HTTP_HOST="elsewhere.example"), 400, "invalid_host")
