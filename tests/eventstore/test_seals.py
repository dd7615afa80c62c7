"""Seals over the global log: removing, inserting or altering any sealed event is detected.

The attacker lifted the append-only triggers (tests.tampering); every test runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from eventstore import seals
from eventstore.integrity import check_stream
from eventstore.models import Breach, Event, Seal, SealedStream
from eventstore.seal_check import verify_seals
from eventstore.store import NO_STREAM, RawEvent, append
from eventstore.tail import read_tail
from tests.tampering import recompute_chain, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_log(meta) -> list[Event]:
    """Three streams of three events, interleaved in the log, in two seals."""
    for n in range(3):
        for stream in ("s-1", "s-2", "s-3"):
            append(
                stream,
                [RawEvent("test.Thing", {"n": n})],
                expected_version=n or NO_STREAM,
                metadata=meta,
            )
        if n == 1:
            assert seals.seal_new_events() == 1
    assert seals.seal_new_events() == 1
    return list(Event.objects.order_by("position"))


def problems() -> list[str]:
    return [str(problem) for problem in verify_seals().problems]


def verify_events_fails() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_events")
    return str(failed.value)


def test_an_untouched_log_verifies_and_the_newest_seal_is_printed(sealed_log, capsys):
    call_command("verify_events")

    out = capsys.readouterr().out
    newest = Seal.objects.get(number=2)
    assert "OK: 3 streams, 9 events" in out
    assert f"Newest seal: 2:{newest.digest}" in out
    assert (newest.events, Seal.objects.get(number=1).events) == (3, 6)


def test_sealing_again_with_nothing_new_writes_no_seal(sealed_log):
    assert seals.seal_new_events() == 0
    assert Seal.objects.count() == 2


def test_a_long_backlog_is_sealed_in_batches_that_chain(sealed_log, meta):
    append(
        "s-4",
        [RawEvent("test.Thing", {"n": n}) for n in range(5)],
        expected_version=NO_STREAM,
        metadata=meta,
    )

    assert seals.seal_new_events(batch=2) == 3
    assert [s.events for s in Seal.objects.filter(number__gt=2)] == [2, 2, 1]
    assert problems() == []


def test_deleting_the_newest_event_of_a_stream_is_detected_everywhere(sealed_log):
    newest = Event.objects.get(stream_id="s-2", version=3)
    tamper("DELETE FROM eventstore_event WHERE position = %s", [newest.position])

    found = problems()
    assert any("seal #2" in p and "sealed 3 events, found 2" in p for p in found)
    assert any("version 3 of the stream, which is gone" in p for p in found)
    assert "events were removed" in check_stream("s-2").problems[0]
    assert read_tail("s-2", snapshot_schema=1).problems
    assert check_stream("s-1").intact
    assert "seal #2" in verify_events_fails()
    assert Breach.objects.filter(stream_id="s-2").exists()
    assert not Breach.objects.filter(stream_id="s-1").exists()


def test_deleting_an_event_in_the_middle_of_the_log_names_its_seal_and_stream(sealed_log):
    middle = Event.objects.get(stream_id="s-1", version=2)
    tamper("DELETE FROM eventstore_event WHERE position = %s", [middle.position])

    [problem] = [p for p in verify_seals().problems if "sealed 6 events" in p.problem]
    assert problem.seal == 1
    assert "found 5" in problem.problem
    assert problem.streams == ("s-1",)
    verify_events_fails()
    assert Breach.objects.filter(stream_id="s-1").exists()


def test_a_forged_event_inserted_into_a_sealed_range_is_detected(sealed_log):
    first = sealed_log[0]
    # Position 0 is free and orders (with the first event's transaction) inside seal #1.
    tamper(
        "INSERT INTO eventstore_event (position, event_id, stream_id, stream_type, version,"
        " event_type, schema_version, payload, metadata, command_id, correlation_id,"
        " recorded_at, tx_id, hash) SELECT 0, %s, 's-9', stream_type, 1, event_type,"
        " schema_version, payload, metadata, '', '', recorded_at, tx_id, hash"
        " FROM eventstore_event WHERE position = %s",
        [str(uuid.uuid4()), first.position],
    )

    found = verify_seals().problems
    assert any(p.seal == 1 and "s-9" in p.streams for p in found)
    verify_events_fails()


def test_a_payload_edit_without_recomputed_hashes_breaks_the_chain(sealed_log):
    target = Event.objects.get(stream_id="s-3", version=2)
    tamper(
        "UPDATE eventstore_event SET payload = %s WHERE position = %s",
        [json.dumps({"n": 99}), target.position],
    )

    assert "altered" in check_stream("s-3").problems[0]
    assert "s-3" in verify_events_fails()


def test_a_payload_edit_with_the_chain_recomputed_is_caught_by_the_seals(sealed_log):
    target = Event.objects.get(stream_id="s-3", version=2)
    tamper(
        "UPDATE eventstore_event SET payload = %s WHERE position = %s",
        [json.dumps({"n": 99}), target.position],
    )
    recompute_chain("s-3")

    found = verify_seals().problems
    assert {p.seal for p in found if "s-3" in p.streams} >= {1, 2}
    assert any("it was altered" in p for p in check_stream("s-3").problems)
    assert read_tail("s-3", snapshot_schema=1).problems
    verify_events_fails()
    assert Breach.objects.filter(stream_id="s-3").exists()


def test_a_deleted_seal_breaks_the_numbering_and_the_chain(sealed_log):
    tamper("DELETE FROM eventstore_seal WHERE number = 1")

    found = problems()
    assert any("seals #1 to #1 are missing" in p for p in found)
    assert any("does not chain" in p for p in found)
    verify_events_fails()


def test_an_altered_seal_fails_its_mac(sealed_log):
    tamper("UPDATE eventstore_seal SET digest = %s WHERE number = 2", ["f" * 64])

    assert any("seal #2: its MAC is not valid" in p for p in problems())


def test_seals_checked_under_another_key_fail(sealed_log, settings):
    settings.EVENTSTORE_SEAL_KEY = "a key the seals were not made with"

    found = problems()
    assert sum("MAC is not valid" in p for p in found) == 2


def test_a_rotated_key_listed_in_the_fallbacks_still_verifies(sealed_log, settings, meta):
    settings.EVENTSTORE_SEAL_KEY = "new key"
    settings.EVENTSTORE_SEAL_KEY_FALLBACKS = []
    assert problems()  # the old seals were made with the key derived from SECRET_KEY

    settings.EVENTSTORE_SEAL_KEY = ""
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a rotated secret key"
    append("s-1", [RawEvent("test.Thing", {"n": 3})], expected_version=3, metadata=meta)
    seals.seal_new_events()

    assert problems() == []


def test_an_anchor_catches_the_newest_seals_cut_with_their_events(sealed_log):
    anchor = Seal.objects.get(number=2)
    newest = sealed_log[-1]
    tamper("DELETE FROM eventstore_sealedstream WHERE seal = 2")
    tamper("DELETE FROM eventstore_seal WHERE number = 2")
    tamper("DELETE FROM eventstore_event WHERE position = %s", [newest.position])
    seals.seal_new_events()  # the sealer seals what is left afresh

    assert problems() == []  # a consistent chain again: only the anchor can tell
    with pytest.raises(CommandError, match="anchored seal"):
        call_command("verify_events", anchor=(2, anchor.digest))


def test_an_anchor_that_is_still_held_passes(sealed_log, capsys):
    newest = Seal.objects.get(number=2)

    call_command("verify_events", "--anchor", f"2:{newest.digest}")

    assert "OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    "table", ["eventstore_seal", "eventstore_sealedstream", "eventstore_breach"]
)
def test_seals_and_breaches_are_append_only_in_the_database(sealed_log, table):
    Breach.objects.create(
        stream_id="s-1", problem="example", found_at=Seal.objects.get(number=1).sealed_at
    )
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert SealedStream.objects.exists()
