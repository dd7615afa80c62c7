"""A webhook worker killed (SIGKILL) in the middle of a delivery: after a restart every event is
delivered, in log order, at least once, and the one in flight again with the same webhook-id
(Standard Webhooks), so a receiver that skips ids it has seen handles each event once.

``manage.py webhooks deliver --follow`` runs as a real process against the test database and
a receiver on 127.0.0.1 that hangs on the fourth request; the process is killed while that
request waits for its answer. A killed runner's lease keeps others off the subscription for
connect + 2 x read timeout + 30 s (projections.webhooks.delivery): the test lets that time pass
by moving the lease's end into the past instead of waiting for it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.store import read_all
from projections.webhooks import subscriptions
from projections.webhooks.models import WebhookDelivery, WebhookSubscription
from projections.webhooks.subscriptions import Changes
from tests.faults.processes import Processes, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.faults]

HANG_ON = 4  # the request the receiver does not answer while the worker lives
SECONDS = 30


class Receiver(ThreadingHTTPServer):
    """Records every delivery (headers and body) and hangs on request number HANG_ON."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def ids(self) -> list[str]:
        with self.lock:
            return [headers["webhook-id"] for headers, _ in self.received]


class _Answer(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            number = len(self.server.received)
        if number == HANG_ON:
            self.server.hanging.set()
            self.server.release.wait(SECONDS)  # the sender is killed meanwhile
        try:
            self.send_response(204)
            self.end_headers()
        except OSError:
            pass  # the sender is gone

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def shop(carts: int) -> None:
    """Open ``carts`` carts with two items each: three events per cart."""
    context = Context.system(Metadata(actor="user:7", source="system"))
    for _ in range(carts):
        cart_id = handle(CreateCart(owner_id="user:7"), context).cart.id
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), context)
        handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=2), context)


def test_a_worker_killed_mid_delivery_leaves_nothing_undelivered_and_resends_with_the_same_id(
    processes: Processes, shelf, receiver: Receiver, settings
):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    env = {
        "WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.1/32",
        "WEBHOOKS_CONNECT_TIMEOUT": "2",
        "WEBHOOKS_READ_TIMEOUT": str(SECONDS),  # the hang is ended by the kill, not a timeout
    }
    shop(carts=3)
    sub = subscriptions.create(Changes(target_url=receiver.url), created_by="user:1")
    sub = subscriptions.replay_from(sub.pk, "")  # from the first event
    deliver = ["webhooks", "deliver", "--follow", "--interval", "0.2"]

    worker = processes.manage(*deliver, env=env)
    assert receiver.hanging.wait(SECONDS), worker.output()
    worker.kill()
    receiver.release.set()
    in_flight = receiver.ids()[-1]
    sub.refresh_from_db()
    assert sub.lease_token and sub.lease_until is not None  # held by the dead worker
    assert sub.lease_until > timezone.now()
    assert WebhookDelivery.objects.filter(subscription=sub).count() == HANG_ON - 1

    shop(carts=1)  # written while no worker runs
    WebhookSubscription.objects.filter(pk=sub.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )  # the lease's time has passed
    logged = [str(event.event_id) for event in read_all("", limit=1000).events]
    restarted = processes.manage(*deliver, env=env)
    wait_until(
        lambda: set(logged) <= set(receiver.ids()), seconds=SECONDS, what="every event delivered"
    )
    restarted.stop()

    ids = receiver.ids()
    first_seen = list(dict.fromkeys(ids))
    assert first_seen == logged  # every event, in log order, none skipped
    assert Counter(ids) == Counter({**dict.fromkeys(logged, 1), in_flight: 2})
    assert ids.index(in_flight) == HANG_ON - 1 and ids[HANG_ON] == in_flight  # sent again first
    sub.refresh_from_db()
    verifier = Webhook(sub.secret)
    for headers, body in receiver.received:
        message = verifier.verify(body, headers)  # signed, with the id it carries
        assert message["data"]["event_id"] == headers["webhook-id"]
    resent = [
        json.loads(body)
        for headers, body in receiver.received
        if headers["webhook-id"] == in_flight
    ]
    assert resent[0]["data"] == resent[1]["data"]
    assert sub.checkpoint == read_all("", limit=1000).checkpoint
