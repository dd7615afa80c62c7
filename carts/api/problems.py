"""The RFC 9457 problem document itself, free of DRF so middleware can answer with one too.

``carts.api.errors`` decides which problem an error is; this module only gives it its shape.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.db import InterfaceError, OperationalError
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


# What a database that cannot be reached, or a connection lost in the middle of a request (a
# restart, a fail-over, a backend ended by an administrator), raises from the query in flight:
# answered 503 with Retry-After, on every page and endpoint. A command is one transaction, or
# one statement, so one that did not commit left nothing behind; but a connection can also be
# lost after the commit and before the answer, and then the command was applied. The detail
# says so rather than promise that nothing was written; the Idempotency-Key settles it.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_DETAIL = (
    "the database cannot be reached at the moment, or the connection to it was lost during the"
    " request; try again in a few seconds. A command sent with an Idempotency-Key is applied"
    " once however often it is sent: send it again with the same key. Without one, a command"
    " whose connection was lost may have been applied: read the cart before sending it again"
)
