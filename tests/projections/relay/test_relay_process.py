"""A real ``manage.py relay_events`` process, killed mid-run and restarted, against local NATS.

The relay runs as a subprocess on the test database (PostgreSQL: a SQLite test database lives in
this process's memory) while this process keeps appending. After SIGKILL and a restart, the
stream must hold every event exactly once, in log order, by message id; the broker's
de-duplication must absorb a relay that resumes from an older checkpoint.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import START, read_all
from projections.models import RelayState
from projections.relay.jetstream import JetStreamSettings
from tests.projections.relay.conftest import stored_messages, stream_size

pytestmark = pytest.mark.postgres

BASE_DIR = Path(__file__).resolve().parents[3]
DEADLINE = 60


def _relay(settings: JetStreamSettings, log: Path, *options: str) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "NATS_URL": settings.url,
        "NATS_STREAM": settings.stream,
        "NATS_SUBJECT_PREFIX": settings.subject_prefix,
        "NATS_MAX_AGE_SECONDS": str(settings.max_age),
        "NATS_MAX_BYTES": str(settings.max_bytes),
        "NATS_DUPLICATE_WINDOW_SECONDS": str(settings.duplicate_window),
        "RELAY_BATCH_SIZE": "5",
        "RELAY_POLL_SECONDS": "0.05",
    }
    command = [sys.executable, "manage.py", "relay_events", *options]
    with log.open("a") as output:
        return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=output, stderr=output)


def _add_items(count: int) -> None:
    context = Context.system(Metadata(actor="user:relay-test", source="system"))
    cart_id = handle(CreateCart(owner_id="user:relay"), context).cart.id
    for index in range(count):
        sku = "TEA-001" if index % 2 else "MUG-001"
        handle(AddItem(cart_id=cart_id, sku=sku, quantity=1), context)


def _wait_until(condition, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)


def test_a_relay_killed_mid_run_and_restarted_publishes_every_event_once(
    shelf, jetstream, tmp_path
):
    log = tmp_path / "relay.log"
    _add_items(20)
    first = _relay(jetstream, log)
    try:
        # Keep writing while it publishes, and kill it once it has published something.
        deadline = time.monotonic() + DEADLINE
        while stream_size(jetstream) == 0:
            _add_items(3)
            assert first.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait(timeout=20)
    _add_items(20)

    second = _relay(jetstream, log)
    try:
        _wait_until(lambda: stream_size(jetstream) >= Event.objects.count(), log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0, log.read_text()[-3000:]
    finally:
        second.kill()
        second.wait(timeout=20)

    events = read_all(limit=10_000).events
    stored = stored_messages(jetstream)
    assert [m.headers["Nats-Msg-Id"] for m in stored] == [str(e.event_id) for e in events]
    assert "stopped: " in log.read_text()


def test_a_relay_resuming_from_the_start_adds_no_copy_to_the_stream(shelf, jetstream, tmp_path):
    log = tmp_path / "relay.log"
    _add_items(12)
    assert _relay(jetstream, log, "--once").wait(timeout=DEADLINE) == 0, log.read_text()
    held = len(stored_messages(jetstream))
    assert held == Event.objects.count()
    # As after a kill between the broker's acknowledgement and the checkpoint's update.
    RelayState.objects.filter(name=f"nats:{jetstream.stream}").update(checkpoint=START)
    assert _relay(jetstream, log, "--once").wait(timeout=DEADLINE) == 0, log.read_text()
    assert len(stored_messages(jetstream)) == held
    assert f"{held} events published in 3 batches ({held} already held" in log.read_text()
