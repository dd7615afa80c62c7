"""Log records that say which request (or task) they belong to, as JSON or as text.

The correlation id of the request being served is kept in a context variable (bound by
``carts.web.request_observation`` for a request, by ``observability.task_context`` for a Celery
task that was sent with one) and added to every record by ``CorrelationFilter``, so any
``logging.getLogger(...)`` call anywhere carries it without being told. The trace id is added
too while a span is active (see observability.tracing).

``logging_config`` builds the LOGGING setting: ``LOG_FORMAT=json`` writes one JSON object per
line (python-json-logger: ``time`` in UTC ISO 8601, ``level``, ``logger``, ``message``,
``correlation_id`` and any ``extra=`` fields), ``text`` a line for people; one handler on the
root logger, to stderr.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pythonjsonlogger.json
from pythonjsonlogger.core import RESERVED_ATTRS

from observability import tracing

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = "{levelname}{name}{message}{correlation_id}"
JSON_RENAMED = {"levelname": "level", "name": "logger"}
# Extras Django passes that are objects, not values: the request (whose repr holds the query
# string, which may carry personal data) and runserver's socket.
UNWRITTEN = ("request", "server_time")

_correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")


def current_correlation_id() -> str:
    """The correlation id bound for the request or task being served, or ""."""
    return _correlation_id.get()


def bind_correlation_id(correlation_id: str) -> contextvars.Token[str]:
    """Make ``correlation_id`` the current one; reset with ``unbind_correlation_id(token)``."""
    return _correlation_id.set(correlation_id)


def unbind_correlation_id(token: contextvars.Token[str]) -> None:
    _correlation_id.reset(token)


@contextmanager
def correlation(correlation_id: str) -> Iterator[None]:
    """``correlation_id`` bound for the duration of the block."""
    token = bind_correlation_id(correlation_id)
    try:
        yield
    finally:
        unbind_correlation_id(token)


class CorrelationFilter(logging.Filter):
    """Adds ``correlation_id`` (maybe "") to every record, and ``trace_id`` while traced."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            # Django logs a 4xx or 5xx answer ("django.request") after the outermost
            # middleware has returned, with the request attached: its id is kept there.
            bound = _correlation_id.get()
            request = getattr(record, "request", None)
            record.correlation_id = bound or str(getattr(request, "_correlation_id", ""))
        trace_id = tracing.current_trace_id()
        if trace_id and not hasattr(record, "trace_id"):
            record.trace_id = trace_id
        return True


class RepeatFilter(logging.Filter):
    """Lets one record with a traceback through per ``seconds`` for the same logger, message
    and exception type; the next one let through says how many like it were left out
    (``repeated``). A dependency that is down (Redis, the broker) otherwise logs the same
    traceback at every request or commit: hundreds of lines a second. Records without a
    traceback all pass. (The standard library has no such filter, nor has python-json-logger.)
    """

    def __init__(self, seconds: float = 10.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Let the next of every traceback through (tests)."""
        with self._lock:
            self._seen = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[0] is None:
            return True
        key = (record.name, str(record.msg), record.exc_info[0].__name__)
        with self._lock:
            shown_at, left_out = self._seen.get(key, (0.0, 0))
            if record.created - shown_at < self.seconds:
                self._seen[key] = (shown_at, left_out + 1)
                return False
            self._seen[key] = (record.created, 0)
            if len(self._seen) > 1000:  # keys are templates, so few; bound it all the same
                self._seen = {key: self._seen[key]}
        if left_out:
            record.repeated = left_out
            record.msg = f"{record.msg} ({left_out} more like it in the last {self.seconds:g} s)"
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per record: time, level, logger, message, correlation_id, extras."""

    def __init__(self) -> None:
        super().__init__(
            JSON_FIELDS,
            style="{",
            rename_fields=JSON_RENAMED,
            timestamp="time",
            reserved_attrs=[*RESERVED_ATTRS, *UNWRITTEN],
        )


def log_format(given: str, *, debug: bool) -> str:
    """The LOG_FORMAT to use: ``given`` if any, else text under DEBUG and json otherwise.
    Raises ValueError naming the accepted values."""
    chosen = given.strip().lower() or ("text" if debug else "json")
    if chosen not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {given!r}")
    return chosen


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dictionary: one stderr handler on the root logger at ``level``, formatting
    as ``log_format`` (json or text), every record given its correlation id."""
    formatters: dict[str, dict[str, Any]] = {
        "json": {"()": "observability.logs.JsonFormatter"},
        "text": {"format": TEXT_FORMAT},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "correlation": {"()": "observability.logs.CorrelationFilter"},
            "repeats": {"()": "observability.logs.RepeatFilter"},
        },
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["repeats", "correlation"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
