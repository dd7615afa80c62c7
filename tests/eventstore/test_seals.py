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

from eventstore import keys, seals
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


# --- the heads a seal records: authenticated (format 2), and as far as the seals go -------------


def _seal_rows(number: int) -> list[tuple]:
    return list(
        SealedStream.objects.filter(seal=number)
        .order_by("stream_id")
        .values_list("stream_id", "events", "last_version", "last_hash")
    )


def test_a_seal_authenticates_the_heads_it_records(sealed_log):
    newest = Seal.objects.get(number=2)

    assert newest.heads is not None
    assert [tuple(head) for head in newest.heads] == _seal_rows(2)
    assert keys.is_signed(seals.mac_message(2, newest.digest, newest.heads), newest.mac)
    assert not keys.is_signed(seals.mac_message(2, newest.digest), newest.mac)


@pytest.mark.parametrize(
    "attack",
    [
        "DELETE FROM eventstore_sealedstream WHERE seal = 1 AND stream_id = 's-2'",
        "UPDATE eventstore_sealedstream SET last_version = 1 WHERE seal = 1 AND stream_id = 's-2'",
        "INSERT INTO eventstore_sealedstream (seal, stream_id, events, last_version, last_hash)"
        " SELECT 1, 's-9', events, last_version, last_hash FROM eventstore_sealedstream"
        " WHERE seal = 1 AND stream_id = 's-2'",
    ],
    ids=["deleted", "edited", "inserted"],
)
def test_a_seal_record_removed_edited_or_forged_is_reported_naming_the_seal(sealed_log, attack):
    tamper(attack)

    [problem] = [p for p in verify_seals().problems if "stream records" in p.problem]
    assert problem.seal == 1
    assert set(problem.streams) <= {"s-2", "s-9"} and problem.streams
    verify_events_fails()


def test_heads_altered_inside_the_seal_fail_its_mac(sealed_log):
    tamper("UPDATE eventstore_seal SET heads = %s WHERE number = 2", [json.dumps([])])

    assert any("seal #2: its MAC is not valid" in p for p in problems())


def test_a_seal_of_format_2_cannot_pass_as_one_of_format_1(sealed_log):
    tamper("UPDATE eventstore_seal SET heads = NULL WHERE number = 2")

    assert any("seal #2: its MAC is not valid" in p for p in problems())


def test_seals_written_before_heads_were_authenticated_still_verify(sealed_log):
    for seal in Seal.objects.all():  # as format 1 wrote them: heads NULL, MAC over the digest
        tamper(
            "UPDATE eventstore_seal SET heads = NULL, mac = %s WHERE number = %s",
            [keys.sign(seals.mac_message(seal.number, seal.digest)), seal.number],
        )

    assert problems() == []
    call_command("verify_events")


def test_a_newest_event_removed_with_its_seal_record_names_the_stream(sealed_log):
    # s-2's version 3 is the only event of s-2 in seal #2; its head in seal #1 stays intact.
    newest = Event.objects.get(stream_id="s-2", version=3)
    tamper("DELETE FROM eventstore_sealedstream WHERE seal = 2 AND stream_id = 's-2'")
    tamper("DELETE FROM eventstore_event WHERE position = %s", [newest.position])

    found = verify_seals().problems
    assert {p.seal for p in found if p.streams == ("s-2",)} == {2}
    assert any("sealed 3 events, found 2" in p.problem for p in found if p.streams == ("s-2",))
    verify_events_fails()
    assert Breach.objects.filter(stream_id="s-2").exists()
    assert read_tail("s-2", snapshot_schema=1).problems
    assert not Breach.objects.filter(stream_id="s-1").exists()


@pytest.mark.parametrize("remove_event", [True, False], ids=["with its event", "alone"])
def test_a_stream_the_seals_cover_but_no_longer_record_is_seen_by_its_own_checks(
    sealed_log, remove_event
):
    tamper("DELETE FROM eventstore_sealedstream WHERE stream_id = 's-2'")
    if remove_event:
        tamper("DELETE FROM eventstore_event WHERE stream_id = 's-2' AND version = 3")

    assert any(
        "no seal records the stream" in p for p in read_tail("s-2", snapshot_schema=1).problems
    )
    assert any("no seal records the stream" in p for p in check_stream("s-2").problems)
    assert Breach.objects.filter(stream_id="s-2").exists()  # recorded by the read
    assert check_stream("s-1").intact


def test_a_newer_seal_record_removed_while_its_events_stay_is_seen_by_the_stream(sealed_log):
    tamper("DELETE FROM eventstore_sealedstream WHERE seal = 2 AND stream_id = 's-2'")

    [problem] = read_tail("s-2", snapshot_schema=1).problems
    assert "its version 3 lies within the sealed log" in problem
    assert problem in check_stream("s-2").problems


def test_streams_newer_than_the_seals_are_intact_before_they_are_sealed(sealed_log, meta):
    append("s-1", [RawEvent("test.Thing", {"n": 3})], expected_version=3, metadata=meta)
    append("s-new", [RawEvent("test.Thing", {"n": 0})], expected_version=NO_STREAM, metadata=meta)

    for stream in ("s-1", "s-new"):
        assert read_tail(stream, snapshot_schema=1).problems == ()
        assert check_stream(stream).intact
    assert not Breach.objects.exists()


def test_a_gap_in_a_streams_versions_is_seen_by_its_tail(sealed_log):
    middle = Event.objects.get(stream_id="s-3", version=2)
    tamper("DELETE FROM eventstore_event WHERE position = %s", [middle.position])

    tail = read_tail("s-3", snapshot_schema=1)
    assert tail.found == ("expected version 2, found 3: events were removed",)
    assert tail.problems == tail.found
