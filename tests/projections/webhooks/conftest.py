"""Fixtures for the webhook tests: a local receiver with a script of answers, a fake clock,
subscriptions allowed to reach 127.0.0.1, and running deliveries repeatedly."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from projections.webhooks import delivery, subscriptions
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.subscriptions import Changes


@dataclass
class Received:
    """One request as the receiver saw it, and what it answered."""

    headers: dict[str, str]
    body: str
    answered: int | None  # None: it kept the sender waiting past its timeout

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """A local HTTP receiver that answers each request with the next item of ``script``
    (a status code, or "hang" to wait past the sender's read timeout), then with 200."""

    server: HTTPServer
    script: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 0.6

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/hook"

    def answer(self, request: Request) -> Response:
        step = self.script.pop(0) if self.script else 200
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.get_data(as_text=True)
        self.received.append(Received(headers, body, None if step == "hang" else int(step)))
        if step == "hang":
            time.sleep(self.hang_seconds)
            return Response("late", status=200)
        return Response("ok", status=int(step))

    def delivered_ids(self) -> list[str]:
        """The webhook-ids of the requests answered 2xx, in the order they came."""
        return [r.webhook_id for r in self.received if r.answered and 200 <= r.answered < 300]


@pytest.fixture
def allow_loopback(settings) -> None:
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOKS_READ_TIMEOUT = 0.3
    settings.WEBHOOKS_CONNECT_TIMEOUT = 0.5


@pytest.fixture
def receiver(allow_loopback) -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    receiver = Receiver(server)
    server.expect_request("/hook", method="POST").respond_with_handler(receiver.answer)
    yield receiver
    server.clear()
    if server.is_running():
        server.stop()


class FakeClock:
    """A clock for the delivery's schedule that only moves when told to."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def subscribe(db) -> Callable[..., WebhookSubscription]:
    """Subscribe ``url`` from the start of the log (not from now, as the service does)."""

    def make(url: str, **changes: Any) -> WebhookSubscription:
        sub = subscriptions.create(Changes(target_url=url, **changes), created_by="user:1")
        return subscriptions.replay_from(sub.pk, "")

    return make


@pytest.fixture
def run_until_quiet(clock: FakeClock) -> Callable[[WebhookSubscription], int]:
    """Deliver, then let the fake clock pass each retry's wait and deliver again, until
    nothing is left or the subscription is paused; returns the number of runs."""

    def run(sub: WebhookSubscription, *, max_runs: int = 50) -> int:
        for runs in range(1, max_runs + 1):
            delivery.deliver(sub.pk, clock=clock)
            sub.refresh_from_db()
            if sub.status == WebhookSubscription.Status.PAUSED or sub.next_attempt_at is None:
                return runs
            clock.now = max(clock.now, sub.next_attempt_at)
        raise AssertionError("deliveries did not settle")

    return run
