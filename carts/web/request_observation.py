"""Every request gets its correlation id first, so that each log record of the request, and
each event it appends, carry the same one; and it is counted and timed.

The id is the client's ``X-Correlation-ID`` (or ``X-Request-ID``) when it follows the rule in
``carts.web.request_ids``, else a new UUID. It is bound for logging (observability.logs), kept
on the request where ``request_context`` finds it for the events' metadata, and sent back in
the response's ``X-Correlation-ID``. A malformed client id gets a fresh one here: the request
guard refuses that request with 400, and its log lines must not repeat what the client sent.

One INFO line per request (logger ``ledger.requests``: method, path percent-encoded but never
the query string, which may hold personal data, status, milliseconds) is written only when
LOG_LEVEL lets INFO through; by default (WARNING) it costs a level check.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.encoding import escape_uri_path

from carts.web.request_ids import InvalidRequestId, client_correlation_id
from observability import metrics
from observability.logs import correlation

logger = logging.getLogger("ledger.requests")

RESPONSE_HEADER = "X-Correlation-ID"
# The labelled series, looked up once each (labels() takes a lock and checks its arguments).
# Django answers an unknown method with 405 before any view, but the method is counted here
# first, so only the methods HTTP defines get a series of their own.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
_requests = functools.cache(metrics.HTTP_REQUESTS.labels)


class RequestObservationMiddleware:
    """Bind the request's correlation id; count, time and (at INFO) log the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        correlation_id = request_correlation_id(request)
        started = time.perf_counter()
        with correlation(correlation_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            method = request.method if request.method in METHODS else "other"
            _requests(method, f"{response.status_code // 100}xx").inc()
            metrics.HTTP_SECONDS.observe(seconds)
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    escape_uri_path(request.path),
                    response.status_code,
                    seconds * 1000,
                    extra={"status": response.status_code, "duration_ms": round(seconds * 1000, 1)},
                )
        response[RESPONSE_HEADER] = correlation_id
        return response


def request_correlation_id(request: HttpRequest) -> str:
    """The client's valid id, or a new one, kept on the request as its correlation id."""
    try:
        chosen = client_correlation_id(request) or str(uuid.uuid4())
    except InvalidRequestId:
        chosen = str(uuid.uuid4())
    # request_context._correlation_of reads it from here (a client's valid id wins there too).
    request._correlation_id = chosen  # type: ignore[attr-defined]
    return chosen
