"""Django's error views (handler400/403/404/500), answering under /api/ as the API does.

Pages get the branded templates (templates/400.html, 403.html, 404.html, 500.html) through
Django's own views. Under /api/ an error is a problem document (application/problem+json) like
every other API answer: DRF's views already answer so through ``carts.api.errors``, and these
cover what happens outside them (middleware, an unknown path before the API's own catch-all).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from carts.api.errors import unknown_api_path
from carts.api.problems import problem_response

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: the request could not be understood (a bad Host header, a malformed body)."""
    if _is_api(request):
        return problem_response(400, code="bad_request", detail="the request is malformed")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: not allowed."""
    if _is_api(request):
        detail = "You do not have permission to perform this action."
        return problem_response(403, code="permission_denied", detail=detail)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: nothing here."""
    if _is_api(request):
        return unknown_api_path(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the trace goes to the log (redacted), never to the page."""
    if _is_api(request):
        return problem_response(500, code="server_error", detail="an unexpected error occurred")
    return defaults.server_error(request)
