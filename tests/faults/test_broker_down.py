"""The broker (Redis, which also holds the throttles' counts) down while shoppers keep working:
every command still succeeds, and once it is back the periodic catch-up brings every read model
up to the log, equal to a rebuild.

A private ``redis-server`` on a free port of 127.0.0.1 is the broker of gunicorn, a Celery
worker and Celery beat (catch-up and sealing every second), all on the test database. It is
stopped while commands go on, then started again, empty, on the same port: what was queued is
gone, so only the periodic catch-up (beat) and the next commits can bring the projections up.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from io import StringIO
from pathlib import Path

import httpx
import pytest
import redis
from django.contrib.auth.models import User
from django.core.management import call_command
from kombu.utils import functional
from rest_framework.authtoken.models import Token

from carts.tasks import enqueue_order_confirmation
from config.celery import app
from projections.tasks import seal
from tests.celery_settings import celery_settings
from tests.checkout_details import DETAILS_FIELDS
from tests.faults.processes import Processes, free_port, wait_until
from tests.faults.read_models import read_model_rows, wait_until_caught_up

pytestmark = pytest.mark.faults


def publishing_to(broker_url: str) -> AbstractContextManager[None]:
    """This process publishes its tasks to ``broker_url`` (sent, not run here) meanwhile."""
    return celery_settings(broker_url=broker_url, task_always_eager=False)


@pytest.fixture
def broker_away() -> Iterator[None]:
    """This process publishes to a port nothing listens on."""
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def shop_a_little(api: httpx.Client, *, carts: int) -> int:
    """Open ``carts`` carts, fill them, discount one and check one out; each command must
    succeed. Returns the position of the last event written."""
    position = 0
    for n in range(carts):
        cart_id = api.post("/carts/", json={"currency": "EUR"}).json()["id"]
        steps = [
            ("POST", f"/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 2}),
            ("POST", f"/carts/{cart_id}/items/", {"sku": "MUG-001", "quantity": 1}),
            ("PUT", f"/carts/{cart_id}/items/TEA-001/", {"quantity": 3}),
            ("POST", f"/carts/{cart_id}/discount/", {"code": "WELCOME10"}),
        ]
        if n % 2:
            steps.append(
                ("POST", f"/carts/{cart_id}/checkout/", {"checkout_details": DETAILS_FIELDS})
            )
        for method, path, body in steps:
            answer = api.request(method, path, json=body)
            assert answer.status_code == 200, f"{method} {path}: {answer.text}"
            position = int(answer.headers["X-Event-Position"])
    return position


def _down(client: redis.Redis) -> bool:
    try:
        client.ping()
    except redis.RedisError:
        return True
    return False


def test_a_publish_on_a_requests_thread_fails_at_once_when_the_broker_is_away(
    broker_away, monkeypatch, caplog
):
    # The order confirmation is the one task a request publishes itself (the catch-ups and
    # deliveries are asked for on background threads): it must not wait for the broker.
    slept: list[float] = []
    monkeypatch.setattr(functional, "sleep", slept.append)  # kombu's pause between retries
    enqueue_order_confirmation(cart_id=uuid.uuid4())

    assert slept == []
    assert "could not enqueue the order confirmation" in caplog.text


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_commands_succeed_while_the_broker_is_down_and_read_models_catch_up_completely_after(
    processes: Processes, shelf, redis_server_binary, tmp_path: Path
):
    port = free_port()
    broker = processes.redis_server(port)
    env = {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{port}/1",  # the throttles' too, as make up has it
        "PROJECTIONS_CATCH_UP_SECONDS": "1",
        "EVENTSTORE_SEAL_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    web = processes.gunicorn(workers=1, threads=4, env=env)
    worker = processes.celery(
        "worker", "--pool=solo", "--without-gossip", "--without-mingle", env=env
    )
    processes.celery("beat", f"--schedule={tmp_path / 'beat-schedule'}", env=env)
    token = Token.objects.create(user=User.objects.create_user("sam")).key
    api = httpx.Client(
        base_url=f"{web.url}/api", headers={"Authorization": f"Token {token}"}, timeout=30
    )

    with api:
        before_outage = shop_a_little(api, carts=2)
        assert wait_until_caught_up(before_outage), processes.outputs()

        broker.stop()
        assert _down(redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1))
        during_outage = shop_a_little(api, carts=3)  # each command asserts its own success

        processes.redis_server(port)  # back, and empty: the queued catch-ups are lost
        assert wait_until_caught_up(during_outage), processes.outputs()
        after_outage = shop_a_little(api, carts=1)
        assert wait_until_caught_up(after_outage), processes.outputs()

    # The fault reached both sides: the web process could not ask for catch-ups (and went on),
    # and the worker lost its broker.
    assert "could not enqueue a catch-up" in web.log.read_text()
    assert "Exception ignored" in web.log.read_text()  # the throttles let the commands pass
    assert "Connection to broker lost" in worker.log.read_text()
    incremental = read_model_rows()
    statuses = Counter(row["status"] for row in incremental["cart_summaries"])
    assert statuses == {"open": 4, "checked_out": 2}
    call_command("projections", "rebuild", "--all")
    assert read_model_rows() == incremental
    call_command("verify_events", stdout=StringIO())  # raises CommandError on any breach


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_a_worker_that_loses_its_broker_holding_an_unacknowledged_message_reconnects(
    processes: Processes, redis_server_binary
):
    # A message with a countdown stays with the worker, unacknowledged, until it is due. When
    # the broker went away meanwhile, kombu 5.7.0 crashed the worker as it closed the channel
    # ("Unrecoverable error: AttributeError"), and nothing consumed the queue any more.
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    broker = processes.redis_server(port)
    env = {"CELERY_BROKER_URL": url, "LOG_LEVEL": "WARNING"}
    worker = processes.celery(
        "worker", "--pool=solo", "--without-gossip", "--without-mingle", env=env
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    with publishing_to(url):
        seal.apply_async(retry=False, countdown=600)
    # kombu's Redis transport keeps what a worker holds unacknowledged in the "unacked" hash.
    wait_until(lambda: client.hlen("unacked") == 1, seconds=30, what="the message held")

    broker.stop()
    wait_until(
        lambda: "Connection to broker lost" in worker.log.read_text() or not worker.alive(),
        seconds=30,
        what="the worker noticing",
    )
    processes.redis_server(port)
    with publishing_to(url):
        seal.apply_async(retry=False)
    queue = app.conf.task_default_queue
    wait_until(
        lambda: client.llen(queue) == 0 or not worker.alive(),
        seconds=60,
        what="the worker taking the next message",
    )
    assert worker.alive(), worker.output()
    assert "Unrecoverable error" not in worker.log.read_text()
