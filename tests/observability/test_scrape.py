"""The registry of scrape-time gauges: one line adds a figure, read once per scrape."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from observability.scrape import ScrapeGauges, once_per_scrape


def exposed(gauges: ScrapeGauges) -> str:
    return generate_latest(gauges).decode()  # type: ignore[arg-type]


def test_a_gauge_added_in_one_line_is_read_at_each_scrape():
    ages = iter([12.5, 13.0])
    gauges = ScrapeGauges()
    gauges.add("ledger_oldest_open_transaction_seconds", "Age of the oldest.", lambda: next(ages))
    assert "ledger_oldest_open_transaction_seconds 12.5" in exposed(gauges)
    assert "ledger_oldest_open_transaction_seconds 13.0" in exposed(gauges)


def test_a_gauge_with_labels_reads_a_mapping_of_label_values():
    gauges = ScrapeGauges()
    gauges.add("ledger_queue_depth", "Depth.", lambda: {("a",): 1, ("b",): 2}, labels=("queue",))
    text = exposed(gauges)
    assert 'ledger_queue_depth{queue="a"} 1.0' in text
    assert 'ledger_queue_depth{queue="b"} 2.0' in text


def test_a_failing_reader_is_left_out_and_reported_while_the_others_are_read(caplog):
    def broken() -> float:
        raise RuntimeError("database went away")

    gauges = ScrapeGauges()
    gauges.add("ledger_broken", "Broken.", broken)
    gauges.add("ledger_fine", "Fine.", lambda: 1)
    text = exposed(gauges)
    assert "ledger_fine 1.0" in text
    assert "ledger_broken " not in text
    assert 'ledger_scrape_gauge_up{gauge="ledger_broken"} 0.0' in text
    assert 'ledger_scrape_gauge_up{gauge="ledger_fine"} 1.0' in text
    assert "ledger_broken could not be read" in caplog.text


def test_a_reading_whose_shape_does_not_fit_its_labels_is_reported_as_a_failure():
    gauges = ScrapeGauges()
    gauges.add("ledger_labelled", "Labelled.", lambda: 3, labels=("queue",))
    gauges.add("ledger_plain", "Plain.", lambda: {("a",): 1})
    text = exposed(gauges)
    assert 'ledger_scrape_gauge_up{gauge="ledger_labelled"} 0.0' in text
    assert 'ledger_scrape_gauge_up{gauge="ledger_plain"} 0.0' in text


def test_a_read_shared_by_several_gauges_runs_once_per_scrape():
    calls: list[int] = []

    @once_per_scrape
    def statuses() -> dict[str, float]:
        calls.append(1)
        return {"lag": 4.0, "age": 2.5}

    gauges = ScrapeGauges()
    gauges.add("ledger_lag", "Lag.", lambda: statuses()["lag"])
    gauges.add("ledger_age", "Age.", lambda: statuses()["age"])
    exposed(gauges)
    exposed(gauges)
    assert len(calls) == 2
    # Outside a scrape it is an ordinary call.
    statuses()
    assert len(calls) == 3


@pytest.mark.parametrize("name", ["ledger_lag", "9lives", "has space", "ledger-lag", ""])
def test_a_name_taken_or_not_a_metric_name_is_refused(name):
    gauges = ScrapeGauges()
    gauges.add("ledger_lag", "Lag.", lambda: 1)
    with pytest.raises(ValueError, match=r"already registered|not a metric name"):
        gauges.add(name, "Again.", lambda: 2)


def test_a_gauge_can_be_removed_again():
    gauges = ScrapeGauges()
    gauges.add("ledger_lag", "Lag.", lambda: 1)
    gauges.remove("ledger_lag")
    assert gauges.names() == []
    with pytest.raises(KeyError):
        gauges.remove("ledger_lag")
