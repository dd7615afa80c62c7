"""A real Celery worker, consuming from Redis, projects what the cart commands append.

This process sends tasks to Redis (it does not run them itself); a `celery -A config worker`
subprocess against the test database runs them. Redis is required in CI (CI=true): there the
test fails, rather than skips, when Redis cannot be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from config.celery import app
from eventstore.metadata import Metadata
from observability.logs import correlation
from projections import tasks
from projections.models import ProjectionState
from projections.selectors import cart_summaries, wait_for_position
from tests.celery_settings import celery_settings

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

BASE_DIR = Path(__file__).resolve().parents[2]
DEADLINE = 60


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    """A queue of this test's own, sent to by this process, so no other worker takes our tasks."""
    name = f"projections-test-{uuid.uuid4().hex[:12]}"
    with celery_settings(broker_url=redis_url, task_always_eager=False, task_default_queue=name):
        yield name
    client = redis.Redis.from_url(redis_url)
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


@pytest.fixture
def worker(queue: str, shelf: None, tmp_path: Path) -> Iterator[Path]:
    """A `celery -A config worker` subprocess on the test database; always stopped afterwards."""
    log = tmp_path / "worker.log"
    settings = connection.settings_dict
    database = (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the worker sends itself stays on our queue
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            worker_command(queue), cwd=BASE_DIR, env=env, stdout=output, stderr=output
        )
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


# `celery -A config worker -Q <queue>`, except that the tasks the worker sends itself (a rebuild's
# shards, the shards a periodic catch-up hands out, a follow-up look) go to <queue> as well: its
# default queue would be Celery's shared one, where no worker of this test listens.
_WORKER = """
import sys
from config.celery import app
queue, loglevel = sys.argv[1:]
app.conf.task_default_queue = queue
app.worker_main(["worker", "--pool=solo", "-Q", queue, f"--loglevel={loglevel}",
                 "--without-gossip", "--without-mingle"])
"""


def worker_command(queue: str, loglevel: str = "INFO") -> list[str]:
    """The command line of a worker that takes tasks from ``queue`` and sends its own there."""
    return [sys.executable, "-c", _WORKER, queue, loglevel]


def test_a_real_worker_projects_what_the_cart_services_append(worker: Path) -> None:
    meta = Metadata(actor="user:worker-test", source="system")
    cart_id = handle(CreateCart(owner_id="user:9"), Context.system(meta)).cart.id
    added = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    assert added.last_position is not None

    assert _projected(added.last_position), worker.read_text()[-3000:]
    assert cart_summaries().get(cart_id=cart_id).units == 2
    assert "projections.catch_up" in worker.read_text()


def test_a_real_worker_runs_a_rebuild_and_switches_generations(worker: Path) -> None:
    meta = Metadata(actor="user:worker-test", source="system")
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    tasks.rebuild.delay("cart_summaries")
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and _generation("cart_summaries") < 2:
        time.sleep(0.2)
    assert _generation("cart_summaries") == 2, worker.read_text()[-3000:]
    assert "projections.rebuild_shard" in worker.read_text()  # its shard went through the queue
    added = handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    assert added.last_position is not None
    assert _projected(added.last_position), worker.read_text()[-3000:]
    assert cart_summaries().get(cart_id=cart_id).units == 1


def _projected(position: int) -> bool:
    """Wait, bounded, for the worker to project ``position``, sending catch-ups as beat would.

    The catch-up enqueued on commit may find the events not yet readable when another database
    on this server has an older transaction open; in production beat's periodic catch-up covers
    that, here the loop does.
    """
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if wait_for_position(position, timeout=2):
            return True
        tasks.catch_up.delay()
    return False


def _generation(name: str) -> int:
    state = ProjectionState.objects.filter(name=name).first()
    return state.active_generation if state else 0


def test_a_task_sent_during_a_request_logs_in_the_worker_with_the_requests_correlation_id(
    worker: Path,
) -> None:
    correlation_id = f"worker-test-{uuid.uuid4().hex[:8]}"
    with correlation(correlation_id):
        tasks.catch_up.delay()
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and not _logged_in_task(worker, correlation_id):
        time.sleep(0.2)
    assert _logged_in_task(worker, correlation_id), worker.read_text()[-3000:]


def _logged_in_task(log: Path, correlation_id: str) -> bool:
    """Whether the worker logged the task's success with the id (text format: [id])."""
    return any(
        f"[{correlation_id}]" in line and "projections.catch_up" in line and "succeeded" in line
        for line in log.read_text().splitlines()
    )
