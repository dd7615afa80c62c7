"""A webhook receiver for Ledger Shop: verifies each delivery, processes every event once.

Run: ``WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py 8001`` (standard library
plus the ``standardwebhooks`` package). It answers 2xx only once an event is stored, so a
delivery it could not handle is retried; and it keeps the ids it has processed, because a
delivery may come more than once (at least once, always with the same ``webhook-id``).
Deliveries of one cart arrive in order; the ``data.checkpoint`` of the last one processed is
where to resume the feed (GET /api/events/?after=...) if the receiver ever needs to catch up.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

# During a secret rotation the sender signs with both secrets, so either one verifies.
VERIFIER = Webhook(os.environ["WEBHOOK_SECRET"])
MAX_BODY = 1024 * 1024
store = sqlite3.connect("received-events.sqlite3", check_same_thread=False)
store.execute("CREATE TABLE IF NOT EXISTS seen (webhook_id TEXT PRIMARY KEY, checkpoint TEXT)")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return self._answer(413)
        body = self.rfile.read(length)
        try:
            # Checks the signature and that webhook-timestamp is within 5 minutes of now.
            message = VERIFIER.verify(body, dict(self.headers.items()))
        except WebhookVerificationError:
            return self._answer(401)
        webhook_id = self.headers["webhook-id"]
        try:
            # One transaction: the id is recorded only if handling succeeded, so a failure
            # answers 500 and the retry (same webhook-id) is handled, not skipped as a repeat.
            with store:
                inserted = store.execute(
                    "INSERT OR IGNORE INTO seen VALUES (?, ?)",
                    (webhook_id, message["data"]["checkpoint"]),
                ).rowcount
                if inserted:
                    handle(message)
        except Exception:
            return self._answer(500)
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.end_headers()


def handle(message: dict) -> None:
    """Your integration's work: here, print what happened to which cart."""
    data = message["data"]
    print(message["type"], data["stream_id"], "v", data["version"], json.dumps(data["payload"]))


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8001
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
