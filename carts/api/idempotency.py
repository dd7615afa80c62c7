"""Idempotency-Key: a retried command gets the first answer again and writes nothing.

The first request with a key claims it by inserting an IdempotencyRecord in the same transaction
that runs the command and stores the answer. A concurrent duplicate's insert hits the unique
(user, key) index and waits for that transaction: if it commits, the duplicate fails and replays
the stored answer; if it rolls back (the command was refused), the duplicate runs as if first.
Only successful answers are kept, so a refused request can be corrected and retried with the
same key. The same key with another method, path or body is refused with 422.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.errors import ApiProblem
from carts.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Visible ASCII, spaces allowed only inside; shared with the OpenAPI document.
KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?$"
_KEPT_HEADERS = ("ETag", "Location", "X-Event-Position")


class _AlreadyClaimed(Exception):
    """Another request holds this key (committed before ours could insert)."""


class _NotKept(Exception):
    """The command answered with an error: roll the claim back so the key stays free."""

    def __init__(self, response: Response) -> None:
        self.response = response


def idempotency_key(request: Request) -> str | None:
    """The Idempotency-Key header, or None; raises a 400 problem for an unusable key."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if re.fullmatch(KEY_PATTERN, key) is None:
        raise ApiProblem(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (spaces only"
            " inside), e.g. a UUID",
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid_idempotency_key",
        )
    return key


def run_once(
    request: Request,
    key: str,
    command: Callable[[], Response],
    *,
    may_replay: Callable[[], None] = lambda: None,
) -> Response:
    """Run ``command`` unless this user already ran it with ``key``; answer as the first time.

    ``may_replay`` is asked before a stored answer is given again and raises if the person may
    no longer see it (their rights may have changed since): a replay is a read of the cart.
    """
    fingerprint = _fingerprint(request)
    earlier = _find(request, key)
    if earlier is not None:
        may_replay()
        return _replay(earlier, request, fingerprint)
    try:
        with transaction.atomic():
            record = _claim(request, key, fingerprint)
            response = command()
            if not status.is_success(response.status_code):
                raise _NotKept(response)
            _keep(record, response)
    except _AlreadyClaimed:
        earlier = _find(request, key)
        assert earlier is not None  # the insert failed on exactly this row
        may_replay()
        return _replay(earlier, request, fingerprint)
    except _NotKept as refused:
        return refused.response
    return response


def _fingerprint(request: Request) -> str:
    # The parsed body in canonical form: a retry that re-serialises the same JSON with other
    # spacing or key order is the same request.
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find(request: Request, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=_user(request), key=key).first()


def _user(request: Request) -> Any:
    # Commands need an authenticated user (IsAuthenticated runs first), so never AnonymousUser.
    assert request.user.is_authenticated
    return request.user


def _claim(request: Request, key: str, fingerprint: str) -> IdempotencyRecord:
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=_user(request),
                key=key,
                method=request.method or "",
                path=request.path[:500],
                request_hash=fingerprint,
                status_code=0,
                response_body={},
            )
    except IntegrityError:
        raise _AlreadyClaimed from None


def _keep(record: IdempotencyRecord, response: Response) -> None:
    record.status_code = response.status_code
    record.response_body = response.data
    record.response_headers = {h: response[h] for h in _KEPT_HEADERS if h in response}
    record.save(update_fields=["status_code", "response_body", "response_headers"])


def _replay(record: IdempotencyRecord, request: Request, fingerprint: str) -> Response:
    if (record.method, record.path, record.request_hash) != (
        request.method,
        request.path[:500],
        fingerprint,
    ):
        raise ApiProblem(
            f"{HEADER} {record.key!r} was already used for {record.method} {record.path} with"
            " another body; use a new key for a different request",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            code="idempotency_key_reused",
        )
    headers: dict[str, Any] = {**record.response_headers, REPLAYED_HEADER: "true"}
    return Response(record.response_body, status=record.status_code, headers=headers)
