"""The benchmark harness runs every workload end to end at toy sizes (no timing is judged)."""

from __future__ import annotations

import math

import pytest

from bench import database
from bench.__main__ import run_workloads
from bench.harness import TOY, table
from eventstore.verify import verify_stream

pytestmark = pytest.mark.postgres


@pytest.fixture
def bench_db(committed_db):
    database.stock_catalog()


def test_every_workload_measures_its_figures_at_toy_size(bench_db):
    figures = run_workloads(TOY, ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B10"])

    measured = {f.workload for f in figures}
    assert measured == {"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B10"}
    for figure in figures:
        assert math.isfinite(figure.value) and figure.value > 0, figure
        assert figure.passed is None or figure.target, figure
    assert "| B4 |" in table(figures)


def test_bulk_loaded_carts_carry_a_hash_chain_that_verifies(bench_db):
    from bench import dataset

    dataset.copy_carts(3 * dataset.EVENTS_PER_CART)

    for n in range(1, 4):
        report = verify_stream(f"cart-{dataset.uuid.UUID(int=n)}")
        assert report.events == dataset.EVENTS_PER_CART
        assert report.breach is None


def test_the_relay_workload_measures_its_figures_at_toy_size(bench_db, nats_url, monkeypatch):
    from bench import relay

    monkeypatch.setattr(relay, "NATS_URL", nats_url)
    figures = run_workloads(TOY, ["B11"])

    assert [f.baseline_name for f in figures] == [
        "read_all, same batches",
        "nats-py publish_async alone",
    ]
    for figure in figures:
        assert math.isfinite(figure.value) and figure.value > 0, figure
        assert figure.note == "", figure


def test_the_freshness_workload_measures_its_figures_at_toy_size(bench_db, redis_url, monkeypatch):
    monkeypatch.setenv("BENCH_B8_BROKER_URL", redis_url)  # a queue of its own, removed after

    figures = run_workloads(TOY, ["B8"])

    assert [f.baseline_name for f in figures] == ["catch-up inline", "catch-up inline"]
    for figure in figures:
        assert math.isfinite(figure.value) and figure.value > 0, figure
        assert math.isfinite(figure.baseline or math.nan), figure
        assert "failed or unseen" not in figure.note, figure
