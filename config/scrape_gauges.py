"""The figures ``/metrics`` reads from the database at each scrape (observability.scrape).

Adding one is one line: ``gauges.add(name, help, read)``, with ``labels=(...)`` when ``read``
returns a mapping of label values to numbers. A reader is called once per scrape by the process
answering it, never on the command path; wrap a read shared by several gauges in
``once_per_scrape`` so that it runs once.
"""

from __future__ import annotations

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
