"""Refusing, before any view runs, a request carrying input that must not reach the database.

Two kinds are refused with 400 and a message naming where the input was and what to send:

- a character the database cannot store in text. PostgreSQL refuses NUL (U+0000) in text and
  JSON, and no UTF-8 text holds a lone surrogate; a value carrying one would otherwise fail deep
  in a query as a 500 (``/?q=%00``), or reach a session, token or user look-up before any view.
  SQLite would store it, so refusing here also keeps the two backends answering alike.
- a correlation id (``X-Correlation-ID``, ``X-Request-ID``) that breaks the rule in
  ``carts.web.request_ids``: it would be written into every event the request causes.

This is the one place for both: every page, API call and admin page passes it, ahead of the
session, authentication and CSRF middleware. The API is answered with a problem document like
its other errors, everything else with a plain page. Nothing is written for a refused request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from carts.api.problems import OUT_OF_RANGE, OUT_OF_RANGE_DETAIL, problem_response
from carts.web.request_ids import InvalidRequestId, client_correlation_id

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestGuardMiddleware:
    """Answer 400, writing nothing, for a request with unstorable text or a malformed id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = is_api(request)
        place = unstorable_place(request, read_form=not api)
        if place is not None:
            detail = (
                f"{place} contains a NUL character (or another character that cannot be stored);"
                " send text without it"
            )
            return _refuse(api, code="invalid_character", detail=detail)
        try:
            client_correlation_id(request)
        except InvalidRequestId as invalid:
            return _refuse(api, code="invalid_correlation_id", detail=str(invalid))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A value too large for what it was turned into: 400, not 500 (nothing was written).

        Django's own admin filters turn ``?recorded_at__year=99999999999999999999`` or a moment
        at the edge of the calendar into dates and integers that overflow deep inside, and the
        shop's pages take dates and numbers too: this class of input is answered here, once.
        The API answers it in its own exception handler, as a problem document.
        """
        if isinstance(exception, OUT_OF_RANGE):
            return _refuse(is_api(request), code="value_out_of_range", detail=OUT_OF_RANGE_DETAIL)
        return None


def unstorable_place(request: HttpRequest, *, read_form: bool = True) -> str | None:
    """Where the request carries a character the database cannot store, or None."""
    if UNSTORABLE.search(request.path_info):
        return "the path"
    found = _first_unstorable(request.GET.lists())
    if found is not None:
        return f"the query parameter {found!r}"
    # The API reads JSON only (its fields refuse NUL themselves), so a form body there is never
    # parsed: parsing it here would only turn its 415 into a 400.
    if read_form and request.method == "POST" and request.content_type in FORM_TYPES:
        found = _first_unstorable(request.POST.lists())
        if found is not None:
            return f"the form field {found!r}"
    # Every header, not only those known to reach the database today (the session cookie, the
    # API token and the User-Agent do): a NUL has no business in any of them.
    for header, value in request.headers.items():
        if UNSTORABLE.search(value):
            return f"the {header} header"
    return None


def _first_unstorable(fields: Iterable[tuple[str, list[str]]]) -> str | None:
    for name, values in fields:
        if UNSTORABLE.search(name) or any(UNSTORABLE.search(v) for v in values):
            return name
    return None


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the API (answered with problem documents, not pages)."""
    try:
        return "api" in resolve(request.path_info).namespaces
    except Resolver404:
        return False


def _refuse(api: bool, *, code: str, detail: str) -> HttpResponse:
    if api:
        return problem_response(400, code=code, detail=detail)
    # Rendered without the request: the page must not load the session or the user, which may
    # be exactly what carries the NUL.
    return HttpResponseBadRequest(render_to_string("bad_request.html", {"detail": detail}))
