"""The RFC 9457 problem document itself, free of DRF so middleware can answer with one too.

``carts.api.errors`` decides which problem an error is; this module only gives it its shape.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:ledger-shop:problem:"


def problem_body(status_code: int, *, code: str, detail: str) -> dict[str, Any]:
    """The members every problem has: type, title, status, detail, code."""
    return {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }


def problem_response(status_code: int, *, code: str, detail: str) -> JsonResponse:
    """A problem-details response outside DRF (a plain Django view or middleware)."""
    body = problem_body(status_code, code=code, detail=detail)
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


# What a value beyond every range Python or the database can hold raises once it is converted
# (a date past the calendar, an integer too large for C, JSON nested too deep): answered 400.
OUT_OF_RANGE = (OverflowError, RecursionError)
OUT_OF_RANGE_DETAIL = (
    "a value in the request is out of range (a date beyond the calendar, a number too large,"
    " or nesting too deep); send an ordinary value"
)
