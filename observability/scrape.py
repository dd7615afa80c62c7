"""Figures read when Prometheus scrapes, not counted as they happen: the scrape-time gauges.

A lag, a queue's age, the oldest open transaction: each is a question asked of the database at
the moment of the scrape, by the process that answers ``/metrics``, so it costs nothing on the
command path and is never stale or summed across processes. ``config/scrape_gauges.py`` holds
the list; adding a figure is one line there::

    gauges.add("ledger_oldest_open_transaction_seconds", "Age of ...", oldest_transaction_age)

A reader returns one number, or a mapping of label values to numbers for a gauge with labels.
A reader that raises is logged and left out of that scrape, and ``ledger_scrape_gauge_up``
says which one failed (0), so a broken figure never hides the others.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

METRIC_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
Reading = float | Mapping[tuple[str, ...], float]
T = TypeVar("T")

_scrape_cache: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "scrape_cache", default=None
)


@dataclass(frozen=True)
class ScrapeGauge:
    """One figure: its exposed name, help text, label names, and the function that reads it."""

    name: str
    documentation: str
    read: Callable[[], Reading]
    labels: tuple[str, ...] = ()

    def family(self) -> GaugeMetricFamily:
        """The gauge as read now. Raises whatever the reader raises; ValueError for a reading
        whose shape does not fit the labels."""
        reading = self.read()
        if not self.labels:
            if isinstance(reading, Mapping):
                raise ValueError(f"{self.name} has no labels, so it reads one number")
            return GaugeMetricFamily(self.name, self.documentation, value=float(reading))
        if not isinstance(reading, Mapping):
            raise ValueError(f"{self.name} has labels {self.labels}, so it reads a mapping")
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for values, number in reading.items():
            family.add_metric(list(values), float(number))
        return family


class ScrapeGauges(Collector):
    """The registry of scrape-time gauges; a prometheus-client collector."""

    def __init__(self) -> None:
        self._gauges: dict[str, ScrapeGauge] = {}

    def add(
        self,
        name: str,
        documentation: str,
        read: Callable[[], Reading],
        labels: tuple[str, ...] = (),
    ) -> None:
        """Register a gauge. Raises ValueError when ``name`` is taken or not a metric name."""
        if name in self._gauges:
            raise ValueError(f"a scrape-time gauge named {name!r} is already registered")
        if not METRIC_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a metric name: a letter, then letters, digits, '_'")
        self._gauges[name] = ScrapeGauge(name, documentation, read, labels)

    def remove(self, name: str) -> None:
        """Unregister the gauge ``name``. Raises KeyError when there is none."""
        del self._gauges[name]

    def names(self) -> list[str]:
        return list(self._gauges)

    def collect(self) -> Iterator[Metric]:
        """Read every gauge once; readers wrapped in once_per_scrape share one read."""
        up = GaugeMetricFamily(
            "ledger_scrape_gauge_up",
            "1 when the scrape-time gauge was read in this scrape, 0 when its reader failed.",
            labels=["gauge"],
        )
        token = _scrape_cache.set({})
        try:
            for gauge in self._gauges.values():
                try:
                    family = gauge.family()
                except Exception:
                    logger.exception("the scrape-time gauge %s could not be read", gauge.name)
                    up.add_metric([gauge.name], 0.0)
                    continue
                up.add_metric([gauge.name], 1.0)
                yield family
        finally:
            _scrape_cache.reset(token)
        yield up


def once_per_scrape(read: Callable[[], T]) -> Callable[[], T]:
    """``read`` called at most once per scrape, so that several gauges can share one query
    (a projection's lag in events and in seconds come from the same status read)."""

    @functools.wraps(read)
    def cached() -> T:
        cache = _scrape_cache.get()
        if cache is None:
            return read()
        if read not in cache:
            cache[read] = read()
        result: T = cache[read]
        return result

    return cached
