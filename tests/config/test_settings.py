"""Settings built from the environment: the PostgreSQL session settings of every connection."""

from __future__ import annotations

import pytest

from config import settings as project_settings


@pytest.mark.parametrize(
    ("idle", "statement", "options"),
    [
        (60, 0, "-c idle_in_transaction_session_timeout=60000"),
        (1.5, 30, "-c idle_in_transaction_session_timeout=1500 -c statement_timeout=30000"),
        (0, 0, ""),
    ],
)
def test_only_timeouts_that_are_set_are_sent_so_a_roles_own_setting_still_applies(
    monkeypatch, idle, statement, options
):
    monkeypatch.setattr(project_settings, "DB_IDLE_IN_TRANSACTION_TIMEOUT", idle)
    monkeypatch.setattr(project_settings, "DB_STATEMENT_TIMEOUT", statement)

    assert project_settings._session_settings() == options


def test_every_postgresql_database_gets_the_session_settings_and_sqlite_none():
    primary = project_settings._database("postgres://shop@127.0.0.1:5432/ledger_shop")
    replica = project_settings._database("postgres://shop@10.0.0.2:5432/ledger_shop")
    local = project_settings._database("sqlite:///var/db.sqlite3")

    expected = project_settings._session_settings()
    assert primary["OPTIONS"].get("options", "") == replica["OPTIONS"].get("options", "")
    assert primary["OPTIONS"].get("options", "") == expected
    assert "options" not in local["OPTIONS"]
