"""B10: webhook delivery to a local receiver while 16 clients add items, and its throughput.

A receiver (standard library, 127.0.0.1, keep-alive, answers 204 at once) notes when each
message arrives. One deliverer thread runs projections.webhooks.delivery.deliver in a loop, as
``manage.py webhooks deliver --follow`` does (polling every 5 ms when idle, where a Celery
worker would be woken by the commit). Figures:

- commit-to-delivery latency, p50 and p99: from an event's ``recorded_at`` (taken just before
  its commit) to the receiver reading it, while 16 client threads add items through the cart
  service (each its own carts and database connection);
- delivery throughput: the subscription replayed from the start of the log, events/s until it
  is caught up, against the same-run baseline of reading those events through the feed
  (carts.api.feed.read_feed, pages of 1,000): what a polling integration would be served.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.harness import Figure, Sizes, log, median

CLIENTS = 16
IDLE_POLL = 0.005


class Receiver(ThreadingHTTPServer):
    """Notes (arrival time, recorded_at) of each message; answers 204."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.arrivals: list[tuple[float, float]] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        arrived = time.time()
        recorded = datetime.fromisoformat(json.loads(body)["timestamp"]).timestamp()
        server: Any = self.server
        with server.lock:
            server.arrivals.append((arrived, recorded))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _deliverer(subscription_id: Any, stop: threading.Event) -> None:
    from django.db import connection

    from projections.webhooks import delivery

    try:
        while not stop.is_set():
            if delivery.deliver(subscription_id) == 0:
                time.sleep(IDLE_POLL)
    finally:
        connection.close()


def _shopper(carts: list[Any], adds: int, context: Any) -> None:
    from django.db import connection

    from carts.application.commands import AddItem
    from carts.application.handler import handle

    try:
        for n in range(adds):
            cart = carts[n % len(carts)]
            sku = f"BENCH-{(n // len(carts)) % 5 + 1}"
            handle(AddItem(cart_id=cart, sku=sku, quantity=1), context)
    finally:
        connection.close()


def _open_carts(per_client: int) -> tuple[list[list[Any]], Any]:
    from carts.application.commands import CreateCart
    from carts.application.handler import Context, handle
    from eventstore.metadata import Metadata

    context = Context.system(Metadata(actor="user:1", source="api"))
    carts = [
        [handle(CreateCart(owner_id="user:1"), context).cart.id for _ in range(per_client)]
        for _ in range(CLIENTS)
    ]
    return carts, context


def _latencies(
    receiver: Receiver, subscription_id: Any, carts: list[list[Any]], adds: int, context: Any
) -> list[float]:
    """Milliseconds from recorded_at to arrival of every event added under load."""
    stop = threading.Event()
    receiver.arrivals.clear()
    deliverer = threading.Thread(target=_deliverer, args=(subscription_id, stop))
    deliverer.start()
    shoppers = [threading.Thread(target=_shopper, args=(own, adds, context)) for own in carts]
    for thread in shoppers:
        thread.start()
    for thread in shoppers:
        thread.join()
    deadline = time.monotonic() + 60
    while len(receiver.arrivals) < adds * CLIENTS and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    deliverer.join()
    return sorted((arrived - recorded) * 1000 for arrived, recorded in receiver.arrivals)


def _drain_rate(receiver: Receiver, subscription_id: Any) -> tuple[float, int]:
    """Events/s delivering the whole log again from the start."""
    from projections.webhooks import delivery, subscriptions

    subscriptions.replay_from(subscription_id, "")
    receiver.arrivals.clear()
    started = time.perf_counter()
    while delivery.deliver(subscription_id, limit=100_000):
        pass
    elapsed = time.perf_counter() - started
    return len(receiver.arrivals) / elapsed, len(receiver.arrivals)


def _feed_rate() -> float:
    """Events/s reading the whole log through the feed's own reader."""
    from carts.api.feed import read_feed
    from carts.api.filters import EventFeedFilter
    from eventstore.checkpoints import START

    filters = EventFeedFilter({})
    filters.is_valid()
    read, after, more = 0, START, True
    started = time.perf_counter()
    while more:
        page = read_feed(after=after, limit=1000, filters=filters)
        read, after, more = read + len(page.events), page.checkpoint, page.has_more
    return read / (time.perf_counter() - started)


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run(sizes: Sizes) -> list[Figure]:
    """Commit-to-delivery p50/p99 under 16 writers; delivery events/s against the feed's."""
    from django.conf import settings

    from projections.webhooks import subscriptions

    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    adds = max(2, sizes.b6_requests // CLIENTS)
    carts, context = _open_carts(max(2, adds // 10))
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    sub = subscriptions.create(subscriptions.Changes(target_url=url), created_by="bench")
    p50s, p99s, rates, feeds = [], [], [], []
    try:
        for attempt in range(sizes.runs):
            ordered = _latencies(receiver, sub.pk, carts, adds, context)
            p50s.append(_percentile(ordered, 0.5))
            p99s.append(_percentile(ordered, 0.99))
            rate, count = _drain_rate(receiver, sub.pk)
            rates.append(rate)
            feeds.append(_feed_rate())
            log(
                f"B10 run {attempt + 1}: {len(ordered)} under load, p50 {p50s[-1]:.1f} ms,"
                f" p99 {p99s[-1]:.1f} ms; {count} replayed at {rate:.0f}/s, feed {feeds[-1]:.0f}/s"
            )
    finally:
        receiver.shutdown()
        receiver.server_close()
        subscriptions.delete(sub.pk)
    return [
        Figure(
            "B10",
            "webhook delivery, one subscription, replayed log",
            median(rates),
            "events/s",
            "",
            None,
            median(feeds),
            "feed read",
            rates,
        ),
        Figure(
            "B10",
            f"commit-to-delivery p50, {CLIENTS} clients adding",
            median(p50s),
            "ms",
            "",
            None,
            samples=p50s,
        ),
        Figure(
            "B10",
            f"commit-to-delivery p99, {CLIENTS} clients adding",
            median(p99s),
            "ms",
            "",
            None,
            samples=p99s,
        ),
    ]
