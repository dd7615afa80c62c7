"""Log records carry the correlation id of the request they belong to, as JSON or as text."""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any

import pytest
from django.test import Client

from carts.application import repository
from eventstore.models import Event
from observability.logs import RepeatFilter, correlation, log_format
from tests.observability.conftest import records

logger = logging.getLogger("tests.observability")


@pytest.fixture
def logs_as_it_saves(monkeypatch) -> None:
    """Code deep inside the request logs as it saves the cart, knowing nothing of requests."""
    real_save = repository.save

    def save(cart: Any, **kwargs: Any) -> Any:
        logger.warning("saving cart %s", cart.id)
        return real_save(cart, **kwargs)

    monkeypatch.setattr(repository, "save", save)


@pytest.mark.django_db
def test_a_requests_json_log_lines_carry_the_correlation_id_of_the_events_it_appended(
    catalog, written_log, logs_as_it_saves
):
    buffer = written_log("json")
    response = Client().post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    assert response.status_code == 303
    correlation_ids = set(Event.objects.values_list("correlation_id", flat=True))
    assert len(correlation_ids) == 1 and Event.objects.count() == 2
    (correlation_id,) = correlation_ids
    lines = records(buffer)
    assert {line["logger"] for line in lines} >= {"tests.observability", "ledger.requests"}
    assert {line["correlation_id"] for line in lines} == {correlation_id}
    assert response["X-Correlation-ID"] == correlation_id
    request_line = next(line for line in lines if line["logger"] == "ledger.requests")
    assert request_line["message"].startswith("POST /cart/add/ 303 ")
    assert request_line["status"] == 303 and request_line["level"] == "INFO"
    assert request_line["time"].endswith("+00:00") and "duration_ms" in request_line


@pytest.mark.django_db
def test_a_correlation_id_the_client_sent_is_the_one_logged_and_recorded(catalog, written_log):
    buffer = written_log("json")
    sent = "checkout-service:req-42"
    response = Client().post(
        "/cart/add/", {"sku": "TEA-001", "quantity": "1"}, headers={"X-Request-ID": sent}
    )
    assert response["X-Correlation-ID"] == sent
    assert set(Event.objects.values_list("correlation_id", flat=True)) == {sent}
    assert {line["correlation_id"] for line in records(buffer)} == {sent}


@pytest.mark.django_db
def test_a_malformed_client_id_is_refused_and_its_log_lines_carry_a_fresh_id(
    catalog, written_log, event_count
):
    buffer = written_log("json")
    sent = "=HYPERLINK(evil)"
    response = Client().post(
        "/cart/add/", {"sku": "TEA-001", "quantity": "1"}, headers={"X-Correlation-ID": sent}
    )
    assert response.status_code == 400
    assert event_count() == 0
    lines = records(buffer)
    assert lines
    assert {line["logger"] for line in lines} == {"ledger.requests", "django.request"}
    assert {line["correlation_id"] for line in lines} == {response["X-Correlation-ID"]}
    assert sent not in buffer.getvalue()


def test_text_lines_show_the_correlation_id_in_brackets(written_log):
    buffer = written_log("text")
    with correlation("corr-123"):
        logger.warning("stock is low")
    logger.warning("outside any request")
    first, second = buffer.getvalue().splitlines()
    assert first.endswith("WARNING tests.observability [corr-123] stock is low")
    assert second.endswith("WARNING tests.observability [] outside any request")


def test_extra_fields_and_a_record_outside_any_request_are_still_json(written_log):
    buffer = written_log("json")
    logger.warning("webhook paused", extra={"subscription": "abc"})
    (line,) = records(buffer)
    assert line["message"] == "webhook paused"
    assert line["subscription"] == "abc"
    assert line["correlation_id"] == ""
    assert "trace_id" not in line


@pytest.mark.parametrize(
    ("given", "debug", "chosen"),
    [("", True, "text"), ("", False, "json"), ("JSON", True, "json"), (" text ", False, "text")],
)
def test_the_log_format_is_text_under_debug_and_json_otherwise_unless_set(given, debug, chosen):
    assert log_format(given, debug=debug) == chosen


def test_an_unknown_log_format_is_refused_with_the_accepted_ones():
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of json, text, not 'xml'"):
        log_format("xml", debug=False)


def _failure(created: float, message: str = "Exception ignored") -> logging.LogRecord:
    try:
        raise ConnectionError("Redis away")
    except ConnectionError:
        record = logging.LogRecord(
            "django_redis.cache", logging.ERROR, __file__, 1, message, None, sys.exc_info()
        )
    record.created = created
    return record


def test_the_same_traceback_is_logged_once_per_ten_seconds_with_a_count_of_the_rest():
    repeats = RepeatFilter(seconds=10)
    first, again, other = _failure(100.0), _failure(101.0), _failure(101.5, "another message")
    plain = logging.LogRecord("x", logging.WARNING, __file__, 1, "no traceback", None, None)
    assert repeats.filter(first)
    assert not repeats.filter(again)
    assert repeats.filter(other)  # another message is another key
    assert repeats.filter(plain) and repeats.filter(plain)
    later = _failure(110.5)
    assert repeats.filter(later)
    assert later.getMessage() == "Exception ignored (1 more like it in the last 10 s)"
