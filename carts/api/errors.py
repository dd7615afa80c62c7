"""The one place that turns errors into RFC 9457 problem details.

Every error the API answers has the same shape, served as application/problem+json::

    {"type": "urn:ledger-shop:problem:quantity_out_of_range", "title": "Unprocessable Content",
     "status": 422, "detail": "quantity per line must be ...", "code": "quantity_out_of_range",
     "errors": {"quantity": ["..."]}}

``code`` is stable and names the rule or the problem; ``errors`` (per field) is present only for
invalid input. Domain errors map by their ``kind``; anything unexpected is logged and answered as
a 500 problem without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from carts.api.problems import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE,
    DATABASE_UNAVAILABLE_DETAIL,
    OUT_OF_RANGE,
    OUT_OF_RANGE_DETAIL,
    PROBLEM_CONTENT_TYPE,
    problem_body,
    problem_response,
)
from carts.application.access import Refused
from carts.application.moments import moment_text
from carts.domain.errors import CartError, CartNotYetCreated, ConcurrentModification
from projections.webhooks.subscriptions import InvalidSubscription

logger = logging.getLogger(__name__)

KIND_STATUS = {
    "bad_request": status.HTTP_400_BAD_REQUEST,
    "unprocessable": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "conflict": status.HTTP_409_CONFLICT,
    "not_found": status.HTTP_404_NOT_FOUND,
    "precondition_failed": status.HTTP_412_PRECONDITION_FAILED,
}
MALFORMED_SUBSCRIPTION_INPUT = frozenset({"invalid_target_url", "invalid_checkpoint"})
_CODES = {
    exceptions.ValidationError: "invalid_input",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
}


class ApiProblem(exceptions.APIException):
    """An API-level problem (not a cart rule) with its own status and stable code."""

    def __init__(self, detail: str, *, status_code: int, code: str) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.problem_code = code


class InvalidQuery(exceptions.ValidationError):
    """Query parameters that are not valid: 400 with per-parameter ``errors`` and a code naming
    the kind (``invalid_query_parameter``, or a more precise one such as ``invalid_checkpoint``).
    """

    def __init__(self, detail: Any, *, code: str) -> None:
        super().__init__(detail)
        self.problem_code = code


class PayloadTooLarge(ApiProblem):
    """The request body is over the API's size limit."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail, status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, code="payload_too_large"
        )


def problem(
    status_code: int,
    *,
    code: str,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """A problem-details response; ``extensions`` are further members (RFC 9457 3.2)."""
    body = problem_body(status_code, code=code, detail=detail) | dict(extensions or {})
    if errors:
        body["errors"] = dict(errors)
    return Response(
        body, status=status_code, headers=dict(headers or {}), content_type=PROBLEM_CONTENT_TYPE
    )


@csrf_exempt  # it changes nothing; a CSRF refusal would only hide the 404 behind an HTML page
def unknown_api_path(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any URL under /api/ that names no endpoint (or a malformed cart id): a 404 problem."""
    return problem_response(
        404, code="not_found", detail=f"nothing at {request.path}; see /api/docs/ for the endpoints"
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes a problem-details response."""
    if isinstance(exc, CartNotYetCreated):
        extra = {"created_at": moment_text(exc.created_at)}
        return problem(404, code=exc.code, detail=exc.message, extensions=extra)
    if isinstance(exc, ConcurrentModification):
        # The server retried already; the client may simply send the command again.
        headers = {"Retry-After": "1"}
        return problem(409, code=exc.code, detail=exc.message, headers=headers)
    if isinstance(exc, CartError):
        # An error about one input field (InvalidCheckoutDetails) names it as invalid input does.
        field = getattr(exc, "field", None)
        errors = {field: [exc.message]} if field else None
        return problem(KIND_STATUS[exc.kind], code=exc.code, detail=exc.message, errors=errors)
    if isinstance(exc, InvalidSubscription):
        # Not a URL, or not a checkpoint, is malformed input (400); a URL whose host is not
        # allowed, or an unknown event type, is refused by a rule (422).
        answer = 400 if exc.code in MALFORMED_SUBSCRIPTION_INPUT else 422
        return problem(answer, code=exc.code, detail=exc.message, errors={exc.field: [exc.message]})
    if isinstance(exc, DATABASE_UNAVAILABLE):
        # Unreachable, refusing connections (too many clients, shutting down), or lost in the
        # middle of the request: say when to retry, and how to retry a command safely.
        logger.error("database unavailable: %s", exc.__class__.__name__)
        return problem(
            503,
            code="database_unavailable",
            detail=DATABASE_UNAVAILABLE_DETAIL,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge("the request body is too large")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Refused):
        exc = exceptions.PermissionDenied(str(exc))
    if isinstance(exc, OUT_OF_RANGE):
        exc = ApiProblem(OUT_OF_RANGE_DETAIL, status_code=400, code="value_out_of_range")
    # Imported here: rest_framework.views reads the parser setting, whose parser imports this
    # module, so importing it above would make "import carts.api.errors" first fail.
    from rest_framework.views import exception_handler

    drf_response = exception_handler(exc, context)
    if drf_response is None or not isinstance(exc, exceptions.APIException):
        logger.exception("unexpected error in the API", exc_info=exc)
        return problem(500, code="server_error", detail="an unexpected error occurred")
    headers = {k: v for k, v in drf_response.headers.items() if k != "Content-Type"}
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        code = getattr(exc, "problem_code", None) or "invalid_input"
        return problem(
            exc.status_code,
            code=code,
            detail=_validation_summary(errors, code),
            errors=errors,
            headers=headers,
        )
    code = getattr(exc, "problem_code", None) or _CODES.get(type(exc)) or exc.default_code
    return problem(exc.status_code, code=str(code), detail=str(exc.detail), headers=headers)


def field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened to {"field" or "field.sub": [messages]}."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            key = f"{prefix}.{name}" if prefix else (str(name) or '""')
            flat.update(field_errors(value, key))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def _validation_summary(errors: Mapping[str, list[str]], code: str) -> str:
    parts = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
    if code == "invalid_input":
        return "The request is not valid. " + "; ".join(parts)
    return f"Query parameter {', '.join(errors)} not valid ({code}). " + "; ".join(parts)
