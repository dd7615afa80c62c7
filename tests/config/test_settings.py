"""Settings built from the environment: the PostgreSQL session settings of every connection,
and numbers refused with a message naming the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import settings as project_settings
from config.settings import env_float, env_floats, env_int, env_rate


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


@pytest.mark.parametrize("text", ["abc", "-1", "2.5", "2_0", "\u0662", "", "1e3"])
def test_a_count_that_is_no_whole_number_of_at_least_zero_is_refused_naming_it(monkeypatch, text):
    monkeypatch.setenv("PROJECTIONS_PARK_AFTER_ATTEMPTS", text)
    with pytest.raises(ImproperlyConfigured, match="PROJECTIONS_PARK_AFTER_ATTEMPTS must be a"):
        env_int("PROJECTIONS_PARK_AFTER_ATTEMPTS", "5")


@pytest.mark.parametrize("text", ["abc", "-1", "nan", "inf", "1_0", "", "2,5"])
def test_a_duration_that_is_no_number_of_at_least_zero_is_refused_naming_it(monkeypatch, text):
    monkeypatch.setenv("API_MIN_POSITION_WAIT_SECONDS", text)
    with pytest.raises(ImproperlyConfigured, match="API_MIN_POSITION_WAIT_SECONDS must be a"):
        env_float("API_MIN_POSITION_WAIT_SECONDS", "2.0")


def test_numbers_in_the_environment_are_read_and_defaults_apply(monkeypatch):
    monkeypatch.setenv("RELAY_POLL_SECONDS", " 0.25 ")
    monkeypatch.setenv("NATS_MAX_BYTES", "-1")
    monkeypatch.delenv("RELAY_BATCH_SIZE", raising=False)
    assert env_float("RELAY_POLL_SECONDS", "0.5") == 0.25
    assert env_int("NATS_MAX_BYTES", "0", minimum=-1) == -1
    assert env_int("RELAY_BATCH_SIZE", "500") == 500
    assert env_float("X_UNSET_FOR_THE_TEST", ".5") == 0.5


@pytest.mark.parametrize("text", ["lots", "120", "120/fortnight", "-1/minute", "1.5/s", ""])
def test_a_throttle_rate_drf_cannot_read_is_refused_at_start(monkeypatch, text):
    # It used to start, then answer 500 to every throttled command.
    monkeypatch.setenv("API_COMMAND_RATE", text)
    with pytest.raises(ImproperlyConfigured, match="API_COMMAND_RATE must be a rate such as"):
        env_rate("API_COMMAND_RATE", "120/minute")


@pytest.mark.parametrize("text", ["", "5,,300", "-5,300", "nan", "5;300"])
def test_a_retry_schedule_that_is_not_numbers_is_refused_at_start(monkeypatch, text):
    monkeypatch.setenv("WEBHOOKS_RETRY_SCHEDULE", text)
    with pytest.raises(ImproperlyConfigured, match="WEBHOOKS_RETRY_SCHEDULE must be numbers"):
        env_floats("WEBHOOKS_RETRY_SCHEDULE", "5")


def test_rates_and_schedules_that_are_right_are_read(monkeypatch):
    monkeypatch.setenv("API_COMMAND_RATE", " 30/min ")
    monkeypatch.setenv("WEBHOOKS_RETRY_SCHEDULE", "5, 300,1800")
    assert env_rate("API_COMMAND_RATE", "120/minute") == "30/min"
    assert env_floats("WEBHOOKS_RETRY_SCHEDULE", "5") == [5.0, 300.0, 1800.0]
