"""B10: webhook delivery to a local receiver while 16 clients add items, and its throughput.

Three processes, as in a deployment: the receiver (standard library, 127.0.0.1, keep-alive,
answers 204 at once, notes when each message arrives), the writers (16 client threads adding
items through the cart service, each to its own carts, each with its own database
connection) and the deliverer (this process: projections.webhooks.delivery.deliver in a loop,
as ``manage.py webhooks deliver --follow`` runs it, polling every 5 ms when idle where a
Celery worker would be woken by the commit). Figures:

- commit-to-delivery latency, p50 and p99: from an event's ``recorded_at`` (taken just before
  its commit) to the receiver reading it, over every item added under load;
- delivery throughput: the subscription replayed from the start of the log, events/s until it
  is caught up, against the same-run baseline of reading those events through the feed
  (carts.api.feed.read_feed, pages of 1,000): what a polling integration would be served.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.harness import Figure, Sizes, log, median

CLIENTS = 16
IDLE_POLL = 0.005
# The paced baseline of the latency: one client adding an item every 20 ms (50/s, below what
# one subscription delivers), so nothing queues and the figure is the path itself.
PACED_ADDS = 100
PACED_PAUSE = 0.02


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


def _receive(control: Any) -> None:
    """The receiver's process: serve, and answer "count", "take" (and clear) or "stop"."""
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    control.send(server.server_address[1])
    while (command := control.recv()) != "stop":
        with server.lock:
            if command == "take":
                control.send(server.arrivals)
                server.arrivals = []
            else:
                control.send(len(server.arrivals))
    server.shutdown()


def _write(url: str, carts: list[list[str]], adds: int, done: Any, pause: float) -> None:
    """The writers' process: a thread per client, each adding ``adds`` items to its own carts
    (waiting ``pause`` seconds after each)."""
    from bench import database

    database.configure_environment(url)
    import django

    django.setup()
    from carts.application.handler import Context
    from eventstore.metadata import Metadata

    context = Context.system(Metadata(actor="user:1", source="api"))
    threads = [threading.Thread(target=_shopper, args=(own, adds, context, pause)) for own in carts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.put(True)


def _shopper(carts: list[str], adds: int, context: Any, pause: float) -> None:
    from uuid import UUID

    from django.db import connection

    from carts.application.commands import AddItem
    from carts.application.handler import handle

    try:
        for n in range(adds):
            cart = UUID(carts[n % len(carts)])
            sku = f"BENCH-{(n // len(carts)) % 5 + 1}"
            handle(AddItem(cart_id=cart, sku=sku, quantity=1), context)
            time.sleep(pause)
    finally:
        connection.close()


def _open_carts(per_client: int) -> list[list[str]]:
    from carts.application.commands import CreateCart
    from carts.application.handler import Context, handle
    from eventstore.metadata import Metadata

    context = Context.system(Metadata(actor="user:1", source="api"))
    return [
        [str(handle(CreateCart(owner_id="user:1"), context).cart.id) for _ in range(per_client)]
        for _ in range(CLIENTS)
    ]


def _latencies(
    control: Any, subscription_id: Any, carts: list[list[str]], adds: int, pause: float = 0.0
) -> list[float]:
    """Milliseconds from recorded_at to arrival of every item added by the writers."""
    from bench.database import current_url, share_secret_key
    from projections.webhooks import delivery

    share_secret_key()
    spawn = multiprocessing.get_context("spawn")
    done = spawn.Queue()
    control.send("take")
    control.recv()
    writers = spawn.Process(target=_write, args=(current_url(), carts, adds, done, pause))
    writers.start()
    expected, deadline = adds * len(carts), time.monotonic() + 300
    while time.monotonic() < deadline:
        if delivery.deliver(subscription_id) == 0:
            control.send("count")
            if control.recv() >= expected:
                break
            time.sleep(IDLE_POLL)
    done.get(timeout=60)
    writers.join()
    control.send("take")
    arrivals = control.recv()
    return sorted((arrived - recorded) * 1000 for arrived, recorded in arrivals)


def _drain_rate(control: Any, subscription_id: Any) -> tuple[float, int]:
    """Events/s delivering the whole log again from the start."""
    from projections.webhooks import delivery, subscriptions

    subscriptions.replay_from(subscription_id, "")
    started = time.perf_counter()
    delivered = 0
    while sent := delivery.deliver(subscription_id, limit=100_000):
        delivered += sent
    return delivered / (time.perf_counter() - started), delivered


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

    # The local receiver, allowed for this run only (the smoke test runs this in the suite).
    allowed = settings.WEBHOOKS_ALLOWED_NETWORKS
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    try:
        return _measured(sizes)
    finally:
        settings.WEBHOOKS_ALLOWED_NETWORKS = allowed


def _measured(sizes: Sizes) -> list[Figure]:
    from projections.webhooks import subscriptions

    adds = max(2, sizes.b6_requests // CLIENTS)
    carts = _open_carts(max(2, adds // 10))
    control, theirs = multiprocessing.get_context("spawn").Pipe()
    receiver = multiprocessing.get_context("spawn").Process(target=_receive, args=(theirs,))
    receiver.start()
    url = f"http://127.0.0.1:{control.recv()}/hook"
    sub = subscriptions.create(subscriptions.Changes(target_url=url), created_by="bench")
    p50s, p99s, rates, feeds, paced50, paced99 = [], [], [], [], [], []
    try:
        for attempt in range(sizes.runs):
            ordered = _latencies(control, sub.pk, carts, adds)
            p50s.append(_percentile(ordered, 0.5))
            p99s.append(_percentile(ordered, 0.99))
            paced = _latencies(control, sub.pk, carts[:1], PACED_ADDS, pause=PACED_PAUSE)
            paced50.append(_percentile(paced, 0.5))
            paced99.append(_percentile(paced, 0.99))
            rate, count = _drain_rate(control, sub.pk)
            rates.append(rate)
            feeds.append(_feed_rate())
            log(
                f"B10 run {attempt + 1}: {len(ordered)} under load, p50 {p50s[-1]:.1f} ms,"
                f" p99 {p99s[-1]:.1f} ms; paced p50 {paced50[-1]:.1f} ms, p99 {paced99[-1]:.1f} ms;"
                f" {count} replayed at {rate:.0f}/s, feed {feeds[-1]:.0f}/s"
            )
    finally:
        control.send("stop")
        receiver.join(timeout=30)
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
            median(paced50),
            "1 client, 50 adds/s",
            p50s,
        ),
        Figure(
            "B10",
            f"commit-to-delivery p99, {CLIENTS} clients adding",
            median(p99s),
            "ms",
            "",
            None,
            median(paced99),
            "1 client, 50 adds/s",
            p99s,
        ),
    ]
