"""Snapshots are bound to the chain and signed: one that fails its check is never used."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.management import CommandError, call_command

from eventstore.models import Event, Snapshot
from eventstore.snapshots import bad_snapshots, load_snapshot, save_snapshot
from eventstore.store import NO_STREAM, RawEvent, append
from eventstore.tail import read_tail
from tests.tampering import recompute_chain, tamper

pytestmark = pytest.mark.django_db

SCHEMA = 3


@pytest.fixture
def snapshotted(meta) -> str:
    append(
        "s-1",
        [RawEvent("test.Thing", {"n": n}) for n in range(5)],
        expected_version=NO_STREAM,
        metadata=meta,
    )
    save_snapshot("s-1", version=3, state={"upto": 3}, schema_version=SCHEMA)
    return "s-1"


def test_a_signed_snapshot_bound_to_its_event_is_used(snapshotted):
    loaded = load_snapshot(snapshotted, schema_version=SCHEMA)
    assert loaded is not None
    assert loaded.state == {"upto": 3}
    assert read_tail(snapshotted, snapshot_schema=SCHEMA).snapshot is not None
    assert list(bad_snapshots()) == []


def test_an_altered_snapshot_state_is_not_used_and_is_reported(snapshotted, caplog):
    tamper(
        "UPDATE eventstore_snapshot SET state = %s WHERE stream_id = %s",
        [json.dumps({"upto": 300}), snapshotted],
    )

    with caplog.at_level(logging.WARNING, logger="eventstore.snapshots"):
        assert load_snapshot(snapshotted, schema_version=SCHEMA) is None
        tail = read_tail(snapshotted, snapshot_schema=SCHEMA)
    assert tail.snapshot is None
    assert [event["n"] for event in tail.events] == [0, 1, 2, 3, 4]
    assert "snapshot not used, replaying s-1 in full" in caplog.text
    assert [stream for stream, _ in bad_snapshots()] == ["s-1"]
    with pytest.raises(CommandError, match="snapshot of s-1 at version 3"):
        call_command("verify_events")


def test_a_snapshot_without_a_mac_is_not_used(snapshotted):
    tamper("UPDATE eventstore_snapshot SET mac = '' WHERE stream_id = %s", [snapshotted])

    assert load_snapshot(snapshotted, schema_version=SCHEMA) is None
    assert read_tail(snapshotted, snapshot_schema=SCHEMA).snapshot is None


def test_a_snapshot_of_an_event_the_stream_no_longer_holds_is_not_used(snapshotted):
    target = Event.objects.get(stream_id=snapshotted, version=2)
    tamper(
        "UPDATE eventstore_event SET payload = %s WHERE position = %s",
        [json.dumps({"n": 99}), target.position],
    )
    recompute_chain(snapshotted)  # the chain verifies again; event 3's hash changed with it

    assert load_snapshot(snapshotted, schema_version=SCHEMA) is None
    assert "no longer holds" in next(bad_snapshots())[1]


def test_a_snapshot_signed_under_another_key_is_not_used(snapshotted, settings):
    settings.EVENTSTORE_SEAL_KEY = "not the key it was signed with"

    assert load_snapshot(snapshotted, schema_version=SCHEMA) is None
    assert Snapshot.objects.filter(stream_id=snapshotted).exists()
