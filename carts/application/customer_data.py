"""A shopper's own data, as they may download it (GDPR art. 15 and 20): every cart and event
that concerns them, personal values decrypted.

Only what is theirs: the carts the access policy lets them read as an owner, and of each
event's metadata the client address and user agent only when they were the actor (a staff
member's address is the staff member's data, not theirs).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from carts.application import access, repository, selectors
from eventstore.metadata import Metadata

FORMAT = "ledger-shop.customer-data/1"


def customer_data(person: access.Person) -> dict[str, Any]:
    """Everything the shop holds about ``person`` (a shopper or the session's guest), as JSON-ready
    data: ``{"format", "generated_at", "customer_ids", "account", "carts": [{"cart_id",
    "events": [{"version", "event_type", "recorded_at", "payload", "metadata"}]}]}``."""
    yours = person.owner_ids
    carts = []
    for cart_id in selectors.shopper_cart_ids(person):
        events = [_event(event, yours) for event in repository.history(cart_id)]
        carts.append({"cart_id": str(cart_id), "events": events})
    return {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "customer_ids": sorted(yours),
        "account": _account(person),
        "carts": carts,
    }


def _event(event: Any, yours: frozenset[str]) -> dict[str, Any]:
    metadata = dict(event.metadata)
    if metadata.get("actor") not in yours:
        for name in Metadata.personal_fields:
            metadata.pop(name, None)
    return {
        "version": event.version,
        "event_type": event.event_type,
        "recorded_at": event.recorded_at.isoformat(),
        "payload": event.payload,
        "metadata": metadata,
    }


def _account(person: access.Person) -> dict[str, Any] | None:
    if not person.is_authenticated:
        return None
    user = person.user
    return {
        "id": person.user_id,
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined.isoformat(),
    }
