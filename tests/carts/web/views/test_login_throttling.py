"""Log-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username
from one address, that pair is refused with a clear 429 page, on the shop's log-in and the
admin's alike. Attempts are rows in the test's transaction, so no test is locked out by another.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

LOGINS = {"shop": "/accounts/login/", "admin": "/admin/login/"}


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("root", password="steep-and-pour-9")


def attempt(client: Client, where: str, username: str, password: str) -> Any:
    return client.post(LOGINS[where], {"username": username, "password": password})


def fail(client: Client, where: str, username: str, times: int) -> None:
    # A refused log-in shows the form again: 400 in the shop (as every form shown again with
    # an error), 200 in Django's admin.
    for _ in range(times):
        refused = attempt(client, where, username, "wrong-password")
        assert refused.status_code == (400 if where == "shop" else 200)


def lock_out(client: Client, where: str, username: str, limit: int) -> None:
    """Wrong passwords until the last one allowed is answered with the lockout."""
    fail(client, where, username, limit - 1)
    assert attempt(client, where, username, "wrong-password").status_code == 429


@pytest.mark.parametrize("where", LOGINS)
def test_after_the_limit_even_the_right_password_gets_a_clear_429(
    settings, alice, staff, where: str
) -> None:
    user, password = (alice, "tea-for-two-42") if where == "shop" else (staff, "steep-and-pour-9")
    client = Client()
    fail(client, where, user.username, settings.AXES_FAILURE_LIMIT - 1)
    locked = attempt(client, where, user.username, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-ins" in page
    assert f"for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page
    assert user.username not in page.split("<main", 1)[1]  # the name typed is not repeated
    assert attempt(client, where, user.username, password).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_one_username_from_one_address_only(settings, alice, bob) -> None:
    lock_out(Client(), "shop", "alice", settings.AXES_FAILURE_LIMIT)
    assert attempt(Client(), "shop", "bob", "tea-for-two-42").status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")
    assert attempt(elsewhere, "shop", "alice", "tea-for-two-42").status_code == 302


def test_a_successful_log_in_clears_the_failures_before_it(settings, alice) -> None:
    client = Client()
    fail(client, "shop", "alice", settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, "shop", "alice", "tea-for-two-42").status_code == 302
    client.post("/accounts/logout/")
    fail(client, "shop", "alice", settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, "shop", "alice", "tea-for-two-42").status_code == 302


def test_the_lockout_ends_after_the_cool_off(settings, alice) -> None:
    client = Client()
    lock_out(client, "shop", "alice", settings.AXES_FAILURE_LIMIT)
    assert attempt(client, "shop", "alice", "tea-for-two-42").status_code == 429
    over = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=over)
    assert attempt(client, "shop", "alice", "tea-for-two-42").status_code == 302
