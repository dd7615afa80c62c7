"""Who is behind an incoming HTTP request, and the event metadata (who, from where, why) it gives.

A guest is named by a random identity kept in the server-side session (``guest:<32 hex>``),
never by the session key: the key is the credential that opens the session, and whatever an
event records stays in the permanent log, its feed and its exports for good.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.http import HttpRequest

from carts.application.access import GUEST_PREFIX, GUEST_SESSION_KEY, Person
from carts.application.handler import Context
from carts.web.request_ids import client_correlation_id, require_id
from eventstore.metadata import Metadata
from observability.tracing import current_trace_id

SOURCES = ("ui", "api", "admin", "system")


GUEST_ID_KEY = GUEST_SESSION_KEY


def guest_id_of(request: HttpRequest, *, create: bool = False) -> str:
    """The session's guest identity (``guest:<32 hex>``), made on first need when ``create``.

    "" for a request without a session (an API call with a token) or, unless ``create``, a
    session that never needed one.
    """
    session = _session_of(request)
    if session is None:
        return ""
    guest_id = session.get(GUEST_ID_KEY, "")
    if not guest_id and create:
        guest_id = f"{GUEST_PREFIX}{secrets.token_hex(16)}"
        session[GUEST_ID_KEY] = guest_id
    return str(guest_id)


def person_of(request: HttpRequest) -> Person:
    """The person behind ``request`` as the access policy knows them (cached on the request)."""
    guest_id = guest_id_of(request)
    cached = getattr(request, "_person", None)
    if cached is not None and cached.guest_id == guest_id:
        return cached  # type: ignore[no-any-return]
    person = Person(user=getattr(request, "user", None), guest_id=guest_id)
    request._person = person  # type: ignore[attr-defined]
    return person


def actor_of(request: HttpRequest) -> str:
    """``user:<id>`` for a signed-in user, the session's guest identity for a guest."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return guest_id_of(request, create=True) or "anonymous"


def _session_of(request: Any) -> Any:
    # A DRF Request wraps the Django one; the session is the Django request's.
    return getattr(getattr(request, "_request", request), "session", None)


def context_from_request(
    request: HttpRequest, *, source: str, command_id: str = "", causation_id: str = ""
) -> Metadata:
    """Metadata for a command issued through ``request`` from the given source.

    Raises InvalidRequestId for an id that breaks the rule in ``carts.web.request_ids`` (the
    request guard middleware has already answered such a request with 400).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    return Metadata(
        actor=actor_of(request),
        source=source,
        correlation_id=client_correlation_id(request) or _correlation_of(request),
        causation_id=require_id(causation_id, source="causation_id"),
        # No invented command id: one that can never be seen again makes nothing idempotent
        # (retries over HTTP are the API's Idempotency-Key's business).
        command_id=require_id(command_id, source="command_id"),
        client_ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        trace_id=current_trace_id(),
    )


def command_context(request: HttpRequest, *, source: str) -> Context:
    """The person and metadata of every command this request runs, built once per request.

    Everything one request causes (a new cart and its first item, a log-in merge) then shares
    one correlation id. Raises as context_from_request does.
    """
    plain = getattr(request, "_request", request)
    cached: dict[tuple[str, str], Context] = plain.__dict__.setdefault("_command_contexts", {})
    key = (source, actor_of(request))  # a log-in within the request makes another person
    if key not in cached:
        metadata = context_from_request(request, source=source)  # makes a guest's identity
        cached[key] = Context(person=person_of(request), metadata=metadata)
    return cached[key]


def _correlation_of(request: HttpRequest) -> str:
    # One id per request, whoever the request turns out to be acting as (a log-in changes it).
    plain = getattr(request, "_request", request)  # a DRF Request wraps the Django one
    found: str = plain.__dict__.setdefault("_correlation_id", str(uuid.uuid4()))
    return found


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy sets it, and
    # an audit trail must not record what the client claims about itself.
    return str(request.META.get("REMOTE_ADDR", ""))
