"""Standard Webhooks secrets and signatures (https://www.standardwebhooks.com/, "Signature").

A secret is ``whsec_`` followed by the base64 of 24 to 64 random bytes; the signature of a
message is ``v1,`` + base64(HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")),
computed by the ``standardwebhooks`` package itself so that its verifier agrees by construction.
Several signatures are sent space-separated, as the specification allows, while a rotated-out
secret is still honoured.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh secret: ``whsec_`` + base64 of 32 random bytes (the specification's range)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signed_headers(
    *, message_id: str, sent_at: datetime, body: str, secrets_in_use: Iterable[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers for one request.

    ``sent_at`` is when the request leaves (receivers refuse a timestamp more than a few
    minutes off their clock), ``message_id`` stays the same on every retry of one event.
    """
    moment = sent_at.astimezone(UTC)
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=moment, data=body)
        for secret in secrets_in_use
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
