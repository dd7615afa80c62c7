"""No secret reaches the permanent log: no event, metadata, export, feed page or log line.

A shopper's whole journey is played with every kind of secret the product handles (the guest's
session key, the session key after log-in, the password, the CSRF token, the API token and an
Idempotency-Key), then everything the log can be read through is searched for each of them.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from eventstore.models import Event

PASSWORD = "Correct-Horse-Battery-71"
IDEMPOTENCY_KEY = "idem-4f1c9a7e5b2d4c8e9f0a1b2c3d4e5f60"


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _journey() -> dict[str, str]:
    """Shop as a guest, sign up, log out and in, then drive the cart over the API."""
    secrets: dict[str, str] = {}
    browser = Client(enforce_csrf_checks=True)
    browser.get("/")
    csrf = browser.cookies["csrftoken"].value
    secrets["csrf token"] = csrf
    added = browser.post(
        "/cart/add/", {"sku": "TEA-001", "quantity": "2", "csrfmiddlewaretoken": csrf}
    )
    assert added.status_code == 303
    secrets["guest session key"] = browser.cookies["sessionid"].value
    signed_up = browser.post(
        "/accounts/signup/",
        {
            "username": "hana",
            "email": "hana@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "csrfmiddlewaretoken": csrf,
        },
    )
    assert signed_up.status_code == 302, signed_up.content[:500]
    secrets["password"] = PASSWORD
    secrets["signed-in session key"] = browser.cookies["sessionid"].value
    browser.post("/accounts/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    browser.post(
        "/accounts/login/",
        {
            "username": "hana",
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    secrets["session key after log-in"] = browser.cookies["sessionid"].value

    user = User.objects.get(username="hana")
    token = Token.objects.create(user=user).key
    secrets["API token"] = token
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    cart = api.post("/api/carts/", {}, format="json", HTTP_IDEMPOTENCY_KEY=IDEMPOTENCY_KEY)
    assert cart.status_code == 201
    secrets["Idempotency-Key"] = IDEMPOTENCY_KEY
    cart_id = cart.json()["id"]
    api.post(f"/api/carts/{cart_id}/items/", {"sku": "NOPE", "quantity": 1}, format="json")
    api.post(f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json")
    return secrets


def _everything_readable(cart_ids: list[str]) -> dict[str, str]:
    """Every place the log can be read: the table itself, exports, the feed, the API."""
    auditor = User.objects.create_superuser("auditor", password="x")
    staff = Client()
    staff.force_login(auditor)
    api = APIClient()
    api.force_authenticate(auditor)
    places = {
        "event rows": json.dumps(
            [list(map(str, row)) for row in Event.objects.values_list()], default=str
        ),
        "event feed": api.get("/api/events/?limit=1000").content.decode(),
        "admin event log": staff.get("/admin/eventstore/event/").content.decode(),
    }
    for cart_id in cart_ids:
        places[f"timeline.csv {cart_id}"] = staff.get(
            f"/admin/carts/cart/{cart_id}/timeline.csv"
        ).content.decode()
        places[f"timeline.json {cart_id}"] = staff.get(
            f"/admin/carts/cart/{cart_id}/timeline.json"
        ).content.decode()
        places[f"admin timeline {cart_id}"] = staff.get(
            f"/admin/carts/cart/{cart_id}/timeline/"
        ).content.decode()
        places[f"api events {cart_id}"] = api.get(f"/api/carts/{cart_id}/events/").content.decode()
    return places


def test_no_secret_is_written_to_an_event_an_export_the_feed_or_a_log_line(
    catalog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = _journey()
    streams = set(Event.objects.values_list("stream_id", flat=True))
    cart_ids = [stream.removeprefix("cart-") for stream in streams]
    assert len(cart_ids) >= 2  # the guest's cart (merged at sign-up) and the API's
    places = _everything_readable(cart_ids)
    places["log lines"] = "\n".join(record.getMessage() for record in caplog.records)
    leaks = [
        f"{kind} in {place}"
        for kind, secret in secrets.items()
        for place, text in places.items()
        if secret in text
    ]
    assert leaks == []


def test_a_guest_is_recorded_by_a_random_identity_that_opens_nothing(
    catalog, client: Client
) -> None:
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    created = Event.objects.get(event_type="cart.CartCreated")
    actor = created.metadata["actor"]
    assert actor.startswith("guest:") and created.payload["owner_id"] == actor
    assert client.cookies["sessionid"].value not in actor
    # Presenting the recorded identity as a session cookie opens no cart.
    intruder = Client()
    intruder.cookies["sessionid"] = actor.removeprefix("guest:")
    cart_id = created.stream_id.removeprefix("cart-")
    assert intruder.get(f"/carts/{cart_id}/history/").status_code == 404
    assert intruder.get("/cart/").context["cart"] is None
