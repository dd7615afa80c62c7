import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, connections, transaction

from projections import locks


def test_a_runner_lock_needs_a_transaction_to_live_in():
    with pytest.raises(RuntimeError, match="open one first"):
        locks.hold("projection:cart_summaries")


def test_sqlite_without_immediate_transactions_is_refused(db, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite fallback only")
    options = {**connection.settings_dict.get("OPTIONS", {}), "transaction_mode": "DEFERRED"}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with transaction.atomic(), pytest.raises(ImproperlyConfigured, match="IMMEDIATE"):
        locks.hold("projection:cart_summaries")


@pytest.mark.postgres
def test_while_one_runner_holds_a_projection_another_cannot_take_it(db, monkeypatch):
    monkeypatch.setattr(locks, "WAIT_SECONDS", 1)
    outcome: list[str] = []

    def other_runner(key: str) -> None:
        try:
            with transaction.atomic():
                locks.hold(key)
                outcome.append("locked")
        except OperationalError:
            outcome.append("refused")
        finally:
            connections.close_all()

    with transaction.atomic():
        locks.hold("projection:cart_summaries")
        _in_thread(other_runner, "projection:cart_summaries")
        _in_thread(other_runner, "projection:product_activity")
    assert outcome == ["refused", "locked"]


def _in_thread(target, key: str) -> None:
    thread = threading.Thread(target=target, args=(key,))
    thread.start()
    thread.join(timeout=30)
