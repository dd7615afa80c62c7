"""The hash chain: each event's hash covers the previous event's hash and its own content.

Editing, deleting or reordering any event of a stream changes every hash after it, so
`manage.py verify_events` finds tampering even if someone got past the database's triggers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_time(moment: datetime) -> str:
    """The one textual form of a timestamp that both backends give back unchanged."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    previous_hash: str,
    event_id: str,
    stream_id: str,
    stream_type: str,
    version: int,
    event_type: str,
    schema_version: int,
    payload: Any,
    metadata: Any,
    recorded_at: datetime,
) -> str:
    """sha-256 over the previous hash and the canonical JSON form of the event."""
    body = json.dumps(
        [
            event_id,
            stream_id,
            stream_type,
            version,
            event_type,
            schema_version,
            payload,
            metadata,
            canonical_time(recorded_at),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256((previous_hash + body).encode()).hexdigest()
