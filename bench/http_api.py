"""B6: the API's add-item under 16 concurrent clients, against gunicorn on PostgreSQL.

gunicorn serves the project on 127.0.0.1 (BENCH_HTTP_PORT, default 8115) with the bench
database; the load generator runs in this process, 16 threads, each a client of its own carts,
bounded by a request count and a time limit. Same-run baseline: the same clients reading a cart
(GET /api/carts/<id>/), which pays for the framework, authentication and a cart load but writes
nothing. The per-user command throttle is lifted for the run (API_COMMAND_RATE).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.harness import Figure, Sizes, log, median

CLIENTS = 16
HOST = "127.0.0.1"
TIME_LIMIT = 60.0
WORKERS = 4


@dataclass(frozen=True)
class Load:
    """What one bounded load run measured."""

    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


def port() -> int:
    """The port gunicorn listens on (the bench's own range starts at 8115)."""
    return int(os.environ.get("BENCH_HTTP_PORT", "8115"))


def start_gunicorn(
    url: str,
    *,
    listen: int | None = None,
    options: tuple[str, ...] = ("-w", str(WORKERS)),
    env: dict[str, str] | None = None,
    ready: str = "/api/schema/",
) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1 (port ``listen``, default port()) with the bench database, run with
    gunicorn ``options`` and extra environment ``env``; returns once ``ready`` answers."""
    from django.conf import settings

    # Static files are not part of the workload; an existing root keeps whitenoise quiet.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    bound = listen or port()
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "0"}
    # Plain HTTP on 127.0.0.1, as `make up` serves: no redirect to HTTPS.
    environment.update(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    environment["API_COMMAND_RATE"] = "100000000/minute"
    environment["SECRET_KEY"] = settings.SECRET_KEY  # the same master key of personal data
    environment.setdefault("ALLOWED_HOSTS", HOST)
    environment.update(env or {})
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"{HOST}:{bound}"]
    server = subprocess.Popen([*command, *options, "--log-level", "warning"], env=environment)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, bound, timeout=2)
            connection.request("GET", ready)
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{bound} within 30 s")


def prepare_clients(carts_per_client: int) -> tuple[str, list[list[uuid.UUID]]]:
    """A shopper with an API token and, per client, carts of its own."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from carts.application.access import Person
    from carts.application.commands import CreateCart
    from carts.application.handler import Context, handle
    from eventstore.metadata import Metadata

    user, _ = get_user_model().objects.get_or_create(username="bench-shopper")
    token, _ = Token.objects.get_or_create(user=user)
    context = Metadata(actor=Person(user=user).user_id, source="api")
    carts = [
        [
            handle(CreateCart(owner_id=Person(user=user).user_id), Context.system(context)).cart.id
            for _ in range(carts_per_client)
        ]
        for _ in range(CLIENTS)
    ]
    return token.key, carts


def _client(
    token: str,
    carts: list[uuid.UUID],
    count: int,
    write: bool,
    deadline: float,
    timings: list[float],
    errors: list[int],
) -> None:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    for n in range(count):
        if time.monotonic() > deadline:
            return
        cart = carts[n % len(carts)]
        sku = f"BENCH-{(n // len(carts)) % 5 + 1}"
        connection = http.client.HTTPConnection(HOST, port(), timeout=30)
        started = time.perf_counter()
        if write:
            body = json.dumps({"sku": sku, "quantity": 1})
            connection.request("POST", f"/api/carts/{cart}/items/", body, headers)
        else:
            connection.request("GET", f"/api/carts/{cart}/", headers=headers)
        response = connection.getresponse()
        response.read()
        timings.append(time.perf_counter() - started)
        connection.close()
        if response.status >= 300:
            errors.append(response.status)


def load(token: str, carts: list[list[uuid.UUID]], requests: int, *, write: bool) -> Load:
    """Run ``requests`` requests from 16 concurrent clients (or stop at the time limit)."""
    timings: list[float] = []
    errors: list[int] = []
    deadline = time.monotonic() + TIME_LIMIT
    threads = [
        threading.Thread(
            target=_client, args=(token, own, requests // CLIENTS, write, deadline, timings, errors)
        )
        for own in carts
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(timings)
    return Load(
        rate=len(timings) / elapsed,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        errors=len(errors),
    )


def run(sizes: Sizes) -> list[Figure]:
    """Requests/s and latency percentiles of add-item, against reading a cart in the same run."""
    from bench.database import current_url

    per_client = sizes.b6_requests // CLIENTS
    token, carts = prepare_clients(max(2, per_client // 20))
    server = start_gunicorn(current_url())
    try:
        load(token, carts, CLIENTS * 4, write=False)  # every worker connected and warm
        writes, reads = [], []
        for attempt in range(sizes.runs):
            reads.append(load(token, carts, sizes.b6_requests, write=False))
            writes.append(load(token, carts, sizes.b6_requests, write=True))
            log(f"B6 run {attempt + 1}: add-item {writes[-1]}, GET cart {reads[-1]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = sum(w.errors for w in writes)
    note = f"{errors} non-2xx answers" if errors else ""
    rate, base = median([w.rate for w in writes]), median([r.rate for r in reads])
    p50, p99 = median([w.p50_ms for w in writes]), median([w.p99_ms for w in writes])
    return [
        Figure(
            "B6",
            f"add-item, {CLIENTS} clients, {WORKERS} gunicorn workers",
            rate,
            "req/s",
            ">= 250 req/s",
            rate >= 250 and not errors,
            base,
            "GET cart",
            [w.rate for w in writes],
            note,
        ),
        Figure(
            "B6",
            "add-item p50 latency",
            p50,
            "ms",
            "",
            None,
            median([r.p50_ms for r in reads]),
            "GET cart",
            [w.p50_ms for w in writes],
        ),
        Figure(
            "B6",
            "add-item p99 latency",
            p99,
            "ms",
            "<= 100 ms",
            p99 <= 100,
            median([r.p99_ms for r in reads]),
            "GET cart",
            [w.p99_ms for w in writes],
        ),
    ]
