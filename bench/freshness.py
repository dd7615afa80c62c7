"""B8: freshness, from a command's commit to its event visible in cart_summaries, under load.

The processes of a deployment (the Procfile's lines): gunicorn (2 workers x 8 threads) with a
Redis broker, and a Celery worker (prefork, concurrency 2) consuming it, both on the bench
database. The broker is a Redis database of B8's own (BENCH_B8_BROKER_URL, default
redis://127.0.0.1:6379/11) and a queue named for the run, removed afterwards. 16 client threads
add items through the API as in B6, each noting its command's X-Event-Position; an observer
thread reads cart_summaries' checkpoint every 2 ms on a connection of its own and notes when it
moved. An event's freshness is from its ``recorded_at`` (taken just before its commit, by the
web process's clock) to the first observation of a checkpoint that covers it, so it includes the
commit and up to one observer interval.

Same-run baseline: the same clients against a second gunicorn without a broker, where each
commit runs the catch-up inline, in the request, before answering (as ``make run`` does): the
freshness a writer could buy by doing the projection's work itself, at the cost of its own rate.
"""

from __future__ import annotations

import bisect
import functools
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from bench.harness import Figure, Sizes, log, median
from eventstore.checkpoints import decode_checkpoint
from eventstore.partitions import stream_hash

CLIENTS = 16
HOST = "127.0.0.1"
OBSERVE_EVERY = 0.002
SETTLE_SECONDS = 30.0
GUNICORN = ("--workers", "2", "--threads", "8")  # the Procfile's web line
BROKER_URL = "redis://127.0.0.1:6379/11"
TARGET_P99_MS = 250.0
READY = "/api/read-models/projections/"


@dataclass(frozen=True)
class Run:
    """One bounded load run: freshness percentiles (ms), add-item rate, and what went wrong."""

    p50_ms: float
    p99_ms: float
    rate: float
    commands: int
    unseen: int
    errors: int


class Observer(threading.Thread):
    """Reads the checkpoints of cart_summaries' shards every OBSERVE_EVERY seconds; keeps, per
    shard, (when, checkpoint) each time it moved, checkpoints as (transaction, position) pairs
    in the log's order. A failure stops the observer and is raised again by ``stop``."""

    def __init__(self, conninfo: str) -> None:
        super().__init__(name="b8-observer", daemon=True)
        self._conninfo = conninfo
        self._halt = threading.Event()
        self._failure: Exception | None = None
        self.shard_count = 1
        self.seen: dict[int, list[tuple[int, int]]] = {}
        self.when: dict[int, list[float]] = {}

    def run(self) -> None:
        try:
            with psycopg.connect(self._conninfo, autocommit=True) as connection:
                while not self._halt.is_set():
                    now = time.time()
                    for shard, count, checkpoint in connection.execute(_SHARDS, prepare=True):
                        self.shard_count = count
                        if checkpoint:
                            self._note(shard, now, checkpoint)
                    time.sleep(OBSERVE_EVERY)
        except Exception as failure:
            self._failure = failure

    def _note(self, shard: int, now: float, checkpoint: str) -> None:
        seen = self.seen.setdefault(shard, [])
        place = decode_checkpoint(checkpoint)
        if not seen or place != seen[-1]:
            self.when.setdefault(shard, []).append(now)
            seen.append(place)

    def covered_at(self, tx_id: int, position: int, stream_id: str) -> float | None:
        """When a checkpoint covering the event was first seen on its shard, or None."""
        shard = stream_hash(stream_id) % self.shard_count
        seen = self.seen.get(shard, [])
        index = bisect.bisect_left(seen, (tx_id, position))
        return self.when[shard][index] if index < len(seen) else None

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)
        if self._failure is not None:
            raise RuntimeError(f"the B8 observer failed: {self._failure!r}") from self._failure


# The active generation's shards of cart_summaries, with how many there are.
_SHARDS = (
    "SELECT s.shard, p.shard_count, s.checkpoint FROM projections_projectionshard s"
    " JOIN projections_projectionstate p ON p.name = s.name AND p.active_generation = s.generation"
    " WHERE s.name = 'cart_summaries'"
)


def _client(
    port: int,
    token: str,
    carts: list[uuid.UUID],
    count: int,
    deadline: float,
    positions: list[int],
    errors: list[int],
) -> None:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    for n in range(count):
        if time.monotonic() > deadline:
            return
        cart, sku = carts[n % len(carts)], f"BENCH-{(n // len(carts)) % 5 + 1}"
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        body = json.dumps({"sku": sku, "quantity": 1})
        connection.request("POST", f"/api/carts/{cart}/items/", body, headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status >= 300:
            errors.append(response.status)
        else:
            positions.append(int(response.getheader("X-Event-Position") or 0))


def _load(
    port: int, token: str, carts: list[list[uuid.UUID]], requests: int, seconds: float
) -> tuple[list[int], int, float]:
    """16 clients adding items for at most ``requests`` requests and ``seconds``; returns the
    positions written, the error count and the add-item rate."""
    positions: list[int] = []
    errors: list[int] = []
    deadline = time.monotonic() + seconds
    args = (requests // CLIENTS, deadline, positions, errors)
    threads = [threading.Thread(target=_client, args=(port, token, own, *args)) for own in carts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return positions, len(errors), len(positions) / (time.perf_counter() - started)


def _freshness(observer: Observer, positions: list[int], conninfo: str) -> tuple[list[float], int]:
    """Milliseconds from commit to visible for each position seen in time; how many were not."""
    deadline = time.monotonic() + SETTLE_SECONDS
    with psycopg.connect(conninfo, autocommit=True) as connection:
        events = connection.execute(
            "SELECT tx_id, position, stream_id, extract(epoch FROM recorded_at)::float8"
            " FROM eventstore_event WHERE position = ANY(%s)",
            [positions],
        ).fetchall()
    while time.monotonic() < deadline:
        if all(observer.covered_at(*event[:3]) is not None for event in events):
            break
        time.sleep(0.05)
    latencies, unseen = [], 0
    for tx_id, position, stream_id, recorded in events:
        seen = observer.covered_at(tx_id, position, stream_id)
        if seen is None:
            unseen += 1
        else:
            latencies.append(max(0.0, seen - recorded) * 1000)
    return sorted(latencies), unseen


def _measure(
    port: int, token: str, carts: list[list[uuid.UUID]], *, requests: int, seconds: float
) -> Run:
    """One load run against the gunicorn on ``port``, watched by an observer of its own."""
    from bench.database import raw_conninfo

    conninfo = raw_conninfo()
    observer = Observer(conninfo)
    observer.start()
    try:
        positions, errors, rate = _load(port, token, carts, requests, seconds)
        latencies, unseen = _freshness(observer, positions, conninfo) if positions else ([], 0)
    finally:
        observer.stop()
    if not latencies:
        return Run(float("nan"), float("nan"), rate, len(positions), unseen, errors)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Run(latencies[len(latencies) // 2], p99, rate, len(positions), unseen, errors)


@contextmanager
def _worker(url: str, broker: str, queue: str) -> Iterator[None]:
    """A Celery worker as the Procfile starts it, on its own queue; stopped and cleaned after."""
    from django.conf import settings

    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": broker, "DEBUG": "0"}
    env.update(SECRET_KEY=settings.SECRET_KEY, CELERY_TASK_DEFAULT_QUEUE=queue)
    # Plain HTTP on 127.0.0.1, as `make up` serves: no redirect to HTTPS, cookies sent back.
    env.update(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2"]
    command += ["-Q", queue, "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, cwd=root, env=env)
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        store = redis.Redis.from_url(broker)
        database = settings.DATABASES["default"]["NAME"]
        flags = store.scan_iter(match=f"projections:catch-up-pending:{database}:{queue}:*")
        keys = [queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}", *flags]
        store.delete(*keys)


def _fresh_projections() -> None:
    """An empty log and empty read models, so the worker starts at the head, not behind it."""
    from django.apps import apps

    from bench import database
    from projections import routing

    database.empty_event_store()
    for label in routing.READ_MODELS:
        apps.get_model(label)._default_manager.all().delete()


def _caught_up() -> None:
    from projections import runner
    from projections.registry import names

    for name in names():
        runner.catch_up(name, retry_now=True)


def run(sizes: Sizes) -> list[Figure]:
    """Freshness p50/p99 with a Celery worker, against the catch-up run inline (same run)."""
    from bench import http_api
    from bench.database import current_url

    broker = os.environ.get("BENCH_B8_BROKER_URL", BROKER_URL)
    queue = f"bench-b8-{uuid.uuid4().hex[:12]}"
    _fresh_projections()
    token, carts = http_api.prepare_clients(max(2, sizes.b6_requests // CLIENTS // 20))
    _caught_up()
    url = current_url()
    ports = {"worker": http_api.port() + 1, "inline": http_api.port() + 2}
    envs = {
        "worker": {"CELERY_BROKER_URL": broker, "CELERY_TASK_DEFAULT_QUEUE": queue},
        "inline": {"CELERY_BROKER_URL": ""},  # no broker: tasks run in the request
    }
    # Ready once the API answers at all: a 401 costs nothing, unlike generating the schema.
    start = functools.partial(http_api.start_gunicorn, url, options=GUNICORN, ready=READY)
    with _worker(url, broker, queue):  # first: it starts up while gunicorn does
        servers = [start(listen=ports[side], env=envs[side]) for side in ports]
        try:
            runs = _rounds(ports, token, carts, sizes)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
    return _figures(runs["worker"], runs["inline"])


def _rounds(
    ports: dict[str, int], token: str, carts: list[list[uuid.UUID]], sizes: Sizes
) -> dict[str, list[Run]]:
    """A warm-up to each server, then ``sizes.runs`` runs against each, alternating."""
    warm_up = min(CLIENTS * 4, sizes.b6_requests)
    for port in ports.values():  # the worker's processes start, every connection is made
        _measure(port, token, carts, requests=warm_up, seconds=10)
    runs: dict[str, list[Run]] = {side: [] for side in ports}
    for attempt in range(sizes.runs):
        for side, port in ports.items():
            measured = _measure(
                port, token, carts, requests=sizes.b6_requests, seconds=sizes.b8_seconds
            )
            runs[side].append(measured)
            log(f"B8 run {attempt + 1}, {side}: {measured}")
    return runs


def _figures(queued: list[Run], inline: list[Run]) -> list[Figure]:
    trouble = sum(r.unseen + r.errors for r in queued)
    note = f"{trouble} commands failed or unseen in {SETTLE_SECONDS:.0f} s" if trouble else ""
    rates = median([r.rate for r in queued]), median([r.rate for r in inline])
    rate_note = f"adds/s: {rates[0]:.0f} with the worker, {rates[1]:.0f} inline"
    p50, p99 = median([r.p50_ms for r in queued]), median([r.p99_ms for r in queued])
    name = f"commit to visible in cart_summaries, {CLIENTS} clients adding"
    return [
        Figure(
            "B8",
            f"{name}, p50",
            p50,
            "ms",
            "",
            None,
            median([r.p50_ms for r in inline]),
            "catch-up inline",
            [r.p50_ms for r in queued],
            rate_note,
        ),
        Figure(
            "B8",
            f"{name}, p99",
            p99,
            "ms",
            f"<= {TARGET_P99_MS:.0f} ms",
            p99 <= TARGET_P99_MS and not trouble,
            median([r.p99_ms for r in inline]),
            "catch-up inline",
            [r.p99_ms for r in queued],
            note,
        ),
    ]
