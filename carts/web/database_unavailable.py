"""A database that cannot be reached, or a connection lost mid-request, answered 503 everywhere.

PostgreSQL restarting, failing over, or ending a connection (``pg_terminate_backend``, an idle
timeout, a pooler's restart) makes the query in flight raise OperationalError or InterfaceError.
Nothing the shopper sent was wrong, so it is no 500: the page answers 503 with ``Retry-After``
in the shop's own words, never a stack trace (which Django shows under DEBUG) nor a bare
"Server Error". The page is rendered without the request, since the session, the user and the
cart all live in the database that just failed; and a 503 makes Django's session middleware
leave the session unsaved, so nothing more is attempted on the way out. Under htmx the answer
asks the browser to reload the page (htmx swaps nothing from an error), which then shows the
cart as it is now, or this page while the database is still away.

Two doors lead here: :class:`DatabaseUnavailableMiddleware` for a view that meets the fault
(under DEBUG too), and :func:`server_error`, the project's ``handler500``, for one met outside
a view (a session read by a middleware), which Django sends there when DEBUG is off. The API's
views answer the fault in their own exception handler (carts.api.errors) with the same problem
document this module gives any other API path.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from carts.api.problems import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE,
    DATABASE_UNAVAILABLE_DETAIL,
    problem_response,
)
from carts.web.request_guard import is_api

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 when a view meets a database that is unreachable or was lost."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """The 503 answer for the database's failure; None (Django goes on) for anything else."""
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        return unavailable(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 when the failure was the database's, else the shop's 500 page (or a
    problem document under /api/). Django calls it while handling the exception."""
    failure = sys.exc_info()[1]
    if isinstance(failure, DATABASE_UNAVAILABLE):
        return unavailable(request, failure)
    if is_api(request):
        return problem_response(500, code="server_error", detail="an unexpected error occurred")
    return defaults.server_error(request)


def unavailable(request: HttpRequest, failure: BaseException) -> HttpResponse:
    """503 with Retry-After: a page in the shop's words, or a problem document for the API."""
    # The class only: a driver's message may quote the query and its parameters.
    logger.error("database unavailable on %s: %s", request.path, type(failure).__name__)
    response: HttpResponse
    if is_api(request):
        response = problem_response(
            503, code="database_unavailable", detail=DATABASE_UNAVAILABLE_DETAIL
        )
    else:
        response = HttpResponse(render_to_string("unavailable.html"), status=503)
        if request.headers.get("HX-Request") == "true":
            response["HX-Refresh"] = "true"
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
