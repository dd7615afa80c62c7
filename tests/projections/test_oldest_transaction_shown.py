"""The projections dashboard and ``projections status`` name the oldest open transaction, and
warn when it has been open too long (it holds every projection back on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import psycopg
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from eventstore.transactions import OpenTransaction
from projections import admin_views
from projections.management.commands import projections as status_command

pytestmark = pytest.mark.django_db


def open_for(seconds: float, *, holds_log_back: bool = True) -> OpenTransaction:
    return OpenTransaction(
        pid=4242,
        state="idle in transaction",
        application_name="psql",
        age_seconds=seconds,
        started_at=datetime(2026, 3, 1, 10, 15, tzinfo=UTC),
        query_started_at=datetime(2026, 3, 1, 10, 16, tzinfo=UTC),
        holds_log_back=holds_log_back,
    )


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def _dashboard(client: Client) -> str:
    response = client.get(reverse("admin:projections_dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_transaction_open_too_long_is_a_warning_saying_how_to_end_it(
    admin_client, monkeypatch, settings
):
    settings.EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS = 30
    monkeypatch.setattr(admin_views, "oldest_open_transaction", lambda: open_for(95))

    page = _dashboard(admin_client)

    assert 'class="warning">Oldest open transaction: pid 4242 (psql), idle in transaction' in page
    assert "open for 95 s: projections, webhooks and the relay wait for it" in page
    assert "SELECT pg_terminate_backend(4242);" in page


def test_a_young_transaction_is_named_quietly(admin_client, monkeypatch, settings):
    settings.EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS = 30
    monkeypatch.setattr(admin_views, "oldest_open_transaction", lambda: open_for(3))

    page = _dashboard(admin_client)

    assert 'class="help" id="oldest-transaction">Oldest open transaction: pid 4242' in page
    assert "pg_terminate_backend" not in page


def test_without_an_open_transaction_the_dashboard_says_nothing_of_it(admin_client, monkeypatch):
    monkeypatch.setattr(admin_views, "oldest_open_transaction", lambda: None)

    assert 'id="oldest-transaction"' not in _dashboard(admin_client)


def test_projections_status_ends_with_the_oldest_open_transaction(monkeypatch, settings):
    settings.EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS = 30
    monkeypatch.setattr(status_command, "oldest_open_transaction", lambda: open_for(95))
    out = StringIO()

    call_command("projections", "status", stdout=out)

    assert out.getvalue().splitlines()[-1] == (
        "oldest open transaction: pid 4242 (psql), idle in transaction, open for 95 s:"
        " projections, webhooks and the relay wait for it"
    )


@pytest.mark.postgres
def test_the_dashboard_names_a_real_session_left_idle_in_a_transaction(admin_client, settings):
    settings.EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS = 0
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        dbname=params["NAME"],
        application_name="report-in-psql",
    ) as idle:
        pid = idle.execute("SELECT pg_backend_pid(), pg_current_xact_id()").fetchone()[0]  # type: ignore[index]

        page = _dashboard(admin_client)

    assert f"pid {pid} (report-in-psql), idle in transaction" in page
    assert f"SELECT pg_terminate_backend({pid});" in page
