"""Idempotency-Key: a retried command gets the first answer again and writes nothing.

The first request with a key runs the command, then claims the key by inserting an
IdempotencyRecord, and stores the answer, all in one transaction. A concurrent duplicate runs
the command too, but its claim hits the unique (user, key) index and waits for the first
transaction: if that commits, the duplicate's claim fails, its transaction rolls back with
whatever its command wrote, and it replays the stored answer; if that rolls back (the command
was refused), the duplicate's own outcome stands. A refusal also tries the claim before it is
answered, so a duplicate refused because the first one already did the work replays that work's
answer. Only successful answers are kept, so a refused request can be corrected and retried with
the same key. The same key with another method, path or body is refused with 422. The whole
runs in carts.application.transactions.atomically: a command that lost the race for its cart
runs again in a new transaction, not in this one.

Why the claim comes after the command: on PostgreSQL a transaction takes its id, the place its
events get in the global log (eventstore.backends.postgresql), with its first write. Claiming
first gave the transaction its place before the command read the cart, so a writer that took its
place later yet appended the cart's previous version first put that version after this one in
the log: a cart's events out of version order for every reader of the log (projections,
webhooks, the relay, the seals). Nothing is written now before the command has read its cart.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from carts.api.errors import ApiProblem
from carts.application.transactions import atomically
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
        return atomically(lambda: _run_and_keep(request, key, fingerprint, command))
    except _AlreadyClaimed:
        earlier = _find(request, key)
        assert earlier is not None  # the insert failed on exactly this row
        may_replay()
        return _replay(earlier, request, fingerprint)
    except _NotKept as refused:
        return refused.response


def _run_and_keep(
    request: Request, key: str, fingerprint: str, command: Callable[[], Response]
) -> Response:
    """The command, then the claim, then the answer kept: one transaction's work."""
    outcome = _outcome_of(command)
    record = _claim(request, key, fingerprint)
    if isinstance(outcome, Exception):
        raise outcome
    if not status.is_success(outcome.status_code):
        raise _NotKept(outcome)
    _keep(record, outcome)
    return outcome


def _outcome_of(command: Callable[[], Response]) -> Response | Exception:
    """The command's answer, or the refusal it raised (a rule, access, invalid input), which
    is raised again once the key was tried. A database error goes on at once: the transaction
    cannot take the claim after it."""
    try:
        return command()
    except DatabaseError:
        raise
    except Exception as refused:
        return refused


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
