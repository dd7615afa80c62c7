"""Building event metadata (who, from where, why) from an incoming HTTP request."""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from carts.request_ids import client_correlation_id, require_id
from eventstore.metadata import Metadata

SOURCES = ("ui", "api", "admin", "system")
SYSTEM = Metadata(actor="system", source="system")


def actor_of(request: HttpRequest) -> str:
    """``user:<id>`` for a signed-in user, ``guest:<session key>`` for an anonymous shopper."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is not None:
        if not session.session_key:
            session.save()
        return f"guest:{session.session_key}"
    return "anonymous"


def context_from_request(
    request: HttpRequest, *, source: str, command_id: str = "", causation_id: str = ""
) -> Metadata:
    """Metadata for a command issued through ``request`` from the given source.

    Raises InvalidRequestId for an id that breaks the rule in ``carts.request_ids`` (the
    request guard middleware has already answered such a request with 400).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    return Metadata(
        actor=actor_of(request),
        source=source,
        correlation_id=client_correlation_id(request) or str(uuid.uuid4()),
        causation_id=require_id(causation_id, source="causation_id"),
        command_id=require_id(command_id, source="command_id") or str(uuid.uuid4()),
        client_ip=_client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a trusted proxy sets it, and
    # an audit trail must not record what the client claims about itself.
    return str(request.META.get("REMOTE_ADDR", ""))
