"""The oldest open transaction of the database, named for operators; and the session settings
that keep one from staying open for long (config/settings.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from eventstore.transactions import oldest_open_transaction

postgres = pytest.mark.postgres


@postgres
def test_a_session_left_idle_in_a_transaction_is_named_with_its_age(other_session):
    pid, began = other_session("SELECT pg_current_xact_id()", application_name="psql")

    oldest = oldest_open_transaction()

    assert oldest is not None
    assert (oldest.pid, oldest.state, oldest.application_name) == (
        pid,
        "idle in transaction",
        "psql",
    )
    assert oldest.started_at == began
    assert oldest.age_seconds > 0
    assert oldest.holds_log_back is True


@postgres
def test_the_oldest_of_several_open_transactions_is_the_one_named(other_session):
    first, _ = other_session("SELECT pg_current_xact_id()")
    other_session("SELECT pg_current_xact_id()")

    oldest = oldest_open_transaction()

    assert oldest is not None and oldest.pid == first


@postgres
def test_a_transaction_that_only_read_holds_vacuum_back_but_not_the_log(other_session):
    pid, _ = other_session("BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT count(*) FROM pg_class")

    oldest = oldest_open_transaction()

    assert oldest is not None and oldest.pid == pid
    assert oldest.holds_log_back is False
    assert "vacuum waits, the log's readers do not" in oldest.describe()


@postgres
def test_what_the_session_ran_is_never_shown(other_session):
    other_session("SELECT pg_current_xact_id(), 'ann@example.com' AS personal")

    oldest = oldest_open_transaction()

    assert oldest is not None
    assert "ann@example.com" not in repr(oldest) + oldest.describe()


@postgres
def test_without_another_open_transaction_there_is_none_to_name(db):
    assert oldest_open_transaction() is None


@pytest.mark.sqlite
def test_sqlite_has_no_transaction_that_holds_readers_back(db):
    assert oldest_open_transaction() is None


@postgres
def test_every_session_of_the_application_ends_when_left_idle_in_a_transaction(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN"
            " ('idle_in_transaction_session_timeout', 'statement_timeout')"
        )
        milliseconds = dict(cursor.fetchall())
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        shown = cursor.fetchone()[0]

    assert settings.DB_IDLE_IN_TRANSACTION_TIMEOUT > 0
    assert int(milliseconds["idle_in_transaction_session_timeout"]) == (
        settings.DB_IDLE_IN_TRANSACTION_TIMEOUT * 1000
    )
    assert shown != "0"
    assert int(milliseconds["statement_timeout"]) == settings.DB_STATEMENT_TIMEOUT * 1000
