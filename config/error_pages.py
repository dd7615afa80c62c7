"""Django's error views for 400, 403 and 404, answering under /api/ as the API does.

Pages get the branded templates (templates/400.html, 403.html, 404.html) through Django's own
views. Under /api/ an error is a problem document (application/problem+json) like every other
API answer: DRF's views already answer so through ``carts.api.errors``, and these cover what
happens outside them (a middleware, a view that is not DRF's). The 500 handler is
``carts.web.database_unavailable.server_error``, which answers a lost database with 503 too.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import loader
from django.views import defaults

from carts.api.errors import unknown_api_path
from carts.api.problems import problem_response
from carts.web.request_guard import is_api


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: the request could not be understood (a bad Host header, a malformed body)."""
    if is_api(request):
        return problem_response(400, code="bad_request", detail="the request is malformed")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: not allowed. The page says why only where the refusal was written to be read (an
    ``explanation`` set on the exception, e.g. the permission a page needs): an exception's
    message may carry anything, and is never shown."""
    if is_api(request):
        detail = "You do not have permission to perform this action."
        return problem_response(403, code="permission_denied", detail=detail)
    context = {"explanation": getattr(exception, "explanation", "")}
    return HttpResponseForbidden(loader.render_to_string("403.html", context, request))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: nothing here."""
    if is_api(request):
        return unknown_api_path(request)
    return defaults.page_not_found(request, exception)
