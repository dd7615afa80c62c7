"""The body of a webhook request: one event of the log, as the feed shows it.

Shape (Standard Webhooks' recommended envelope)::

    {"type": "cart.ItemAdded", "timestamp": "2026-11-30T10:15:42.130000+00:00",
     "data": {"event_id", "stream_id", "stream_type", "version", "event_type",
              "schema_version", "payload", "metadata", "recorded_at", "checkpoint"}}

``data.checkpoint`` is the feed's checkpoint just after this event: a receiver that also reads
GET /api/events/ can resume the feed from the last event it was sent.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from eventstore.store import RecordedEvent


def envelope(event: RecordedEvent) -> dict[str, Any]:
    """The message for ``event``, as a dict (see the module's docstring for its shape)."""
    recorded_at = event.recorded_at.isoformat()
    return {
        "type": event.event_type,
        "timestamp": recorded_at,
        "data": {
            "event_id": str(event.event_id),
            "stream_id": event.stream_id,
            "stream_type": event.stream_type,
            "version": event.version,
            "event_type": event.event_type,
            "schema_version": event.schema_version,
            "payload": event.payload,
            "metadata": event.metadata,
            "recorded_at": recorded_at,
            "checkpoint": event.checkpoint,
        },
    }


def body_of(event: RecordedEvent) -> str:
    """The message for ``event`` as JSON text, exactly the bytes that are signed and sent."""
    return json.dumps(envelope(event), cls=DjangoJSONEncoder, separators=(",", ":"))
