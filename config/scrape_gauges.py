"""The figures ``/metrics`` reads from the database at each scrape (observability.scrape).

Adding one is one line: ``gauges.add(name, help, read)``, with ``labels=(...)`` when ``read``
returns a mapping of label values to numbers. A reader is called once per scrape by the process
answering it, never on the command path; wrap a read shared by several gauges in
``once_per_scrape`` so that it runs once.
"""

from __future__ import annotations

from eventstore import transactions
from observability.scrape import ScrapeGauges, once_per_scrape
from projections import selectors

STATES = (
    selectors.LIVE,
    selectors.CATCHING_UP,
    selectors.REBUILDING,
    selectors.STALLED,
    selectors.FAILING,
)

_statuses = once_per_scrape(selectors.projection_statuses)
oldest_open_transaction = once_per_scrape(transactions.oldest_open_transaction)


def projection_lag_events() -> dict[tuple[str, ...], float]:
    """Events in the log each projection has not processed yet, by projection name."""
    return {(status.name,): status.lag_events for status in _statuses()}


def projection_lag_seconds() -> dict[tuple[str, ...], float]:
    """Age in seconds of the oldest event each projection has not processed (0 when none)."""
    return {(status.name,): status.lag_seconds for status in _statuses()}


def projection_state() -> dict[tuple[str, ...], float]:
    """1 for each projection's current state, 0 for its other states."""
    return {
        (status.name, state): float(state == status.state)
        for status in _statuses()
        for state in STATES
    }


def projection_held() -> dict[tuple[str, ...], float]:
    """Failing shards, parked and skipped events of each projection."""
    return {
        (status.name, kind): float(count)
        for status in _statuses()
        for kind, count in (
            ("failing_shards", status.failing_shards),
            ("parked", status.parked),
            ("skipped", status.skipped),
        )
    }


def oldest_open_transaction_seconds() -> float:
    """Age of the oldest transaction another session holds open in the database (0 when none);
    the log's readers wait for it (eventstore.transactions)."""
    found = oldest_open_transaction()
    return found.age_seconds if found is not None else 0.0


def oldest_open_transaction_holds_log() -> float:
    """1 when the oldest open transaction holds the log's readers back (it has written), else 0."""
    found = oldest_open_transaction()
    return float(found is not None and found.holds_log_back)


gauges = ScrapeGauges()
gauges.add(
    "ledger_projection_lag_events",
    "Events in the log the projection has not processed yet.",
    projection_lag_events,
    labels=("projection",),
)
gauges.add(
    "ledger_projection_lag_seconds",
    "Age of the oldest event the projection has not processed (0 when it is caught up).",
    projection_lag_seconds,
    labels=("projection",),
)
gauges.add(
    "ledger_projection_state",
    "1 for the projection's current state (live, catching_up, rebuilding, stalled, failing).",
    projection_state,
    labels=("projection", "state"),
)
gauges.add(
    "ledger_projection_held",
    "Failing shards, parked and skipped events of the projection (kind).",
    projection_held,
    labels=("projection", "kind"),
)
gauges.add(
    "ledger_oldest_open_transaction_seconds",
    "Age of the oldest transaction another session holds open (0 when none).",
    oldest_open_transaction_seconds,
)
gauges.add(
    "ledger_oldest_open_transaction_holds_log",
    "1 when the oldest open transaction has written, so the log's readers wait for it.",
    oldest_open_transaction_holds_log,
)
