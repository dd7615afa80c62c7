"""One projection split into four shards, built by 1, 2 and 4 real Celery workers while writers
append: the rows equal a one-runner rebuild; a worker killed mid-batch loses and doubles nothing.

This process sends tasks to Redis; `celery -A config worker` subprocesses against the test
database run them, competing for the shards' tasks on one queue of this test's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import override_settings

from carts.application.commands import AddItem, ChangeQuantity, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from projections import rebuild as rebuilding
from projections import tasks
from projections.registry import names
from projections.selectors import projection_statuses
from projections.state import ProjectionShard
from tests.projections.conftest import active_rows
from tests.projections.test_celery_worker import BASE_DIR, queue  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

SHARDS = 4
DEADLINE = 120


@pytest.fixture
def start_worker(
    queue: str,  # noqa: F811 (the fixture imported above)
    shelf: None,
    tmp_path: Path,
) -> Iterator[Callable[[], subprocess.Popen]]:
    """Start `celery worker` processes on the test database; every one is stopped afterwards."""
    from config.celery import app

    settings = connection.settings_dict
    database = (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": app.conf.broker_url,
        "PROJECTIONS_SHARDS": str(SHARDS),
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
        command += ["-Q", queue, "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def _write(carts: int, rounds: int, writers: int = 4) -> None:
    """Writers in threads, each on carts of its own, adding, changing and removing lines."""

    def work(offset: int) -> None:
        meta = Metadata(actor=f"user:writer-{offset}", source="system")
        try:
            for _ in range(carts):
                cart_id = handle(CreateCart(), Context.system(meta)).cart.id
                for n in range(rounds):
                    sku = "TEA-001" if n % 2 else "MUG-001"
                    handle(AddItem(cart_id=cart_id, sku=sku, quantity=1), Context.system(meta))
                handle(
                    ChangeQuantity(cart_id=cart_id, sku="MUG-001", quantity=3), Context.system(meta)
                )
                handle(RemoveItem(cart_id=cart_id, sku="TEA-001"), Context.system(meta))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)


def _caught_up() -> bool:
    """Hand the shards out (as beat does) until every shard of every projection is at the head."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        statuses = projection_statuses()
        if all(s.lag_events == 0 and s.shard_count == SHARDS for s in statuses):
            return True
        assert not any(s.state == "failing" for s in statuses), statuses
        tasks.catch_up.delay()
        time.sleep(0.5)
    return False


def _rows_then_single_rebuild() -> tuple[dict, dict]:
    built = {name: active_rows(name) for name in names()}
    with override_settings(PROJECTIONS_SHARDS=1):
        for name in names():
            rebuilding.rebuild(name)
    return built, {name: active_rows(name) for name in names()}


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_workers_sharing_the_shards_build_the_rows_of_one_runner(start_worker, workers):
    with override_settings(PROJECTIONS_SHARDS=SHARDS):
        for name in names():
            rebuilding.rebuild(name)  # the four-shard generation, empty
        for _ in range(workers):
            start_worker()
        _write(carts=5, rounds=4)
        assert _caught_up()
    built, single = _rows_then_single_rebuild()
    assert built == single
    assert built["cart_summaries"]["CartSummary"]


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(start_worker):
    with override_settings(PROJECTIONS_SHARDS=SHARDS):
        for name in names():
            rebuilding.rebuild(name)
        _write(carts=25, rounds=6)  # a backlog of some 1,000 events, nobody projecting yet
        victim = start_worker()
        tasks.catch_up.delay()
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and not _some_shard_moved():
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)  # mid-way through the backlog, batch half applied
        victim.wait(timeout=20)
        assert any(s.lag_events for s in projection_statuses())  # it was killed with work left
        start_worker()
        assert _caught_up(), [(s.name, s.lag_events, s.state) for s in projection_statuses()]
    built, single = _rows_then_single_rebuild()
    assert built == single


def _some_shard_moved() -> bool:
    return ProjectionShard.objects.exclude(checkpoint="").exists()
