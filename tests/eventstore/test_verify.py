"""verify_events finds altered events even when someone got past the database's triggers."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from eventstore import immutability
from eventstore.models import Event
from eventstore.store import NO_STREAM, RawEvent, append
from eventstore.verify import verify_all, verify_stream

pytestmark = pytest.mark.django_db


def write_streams(meta) -> None:
    for stream in ("s-1", "s-2"):
        append(
            stream,
            [RawEvent("test.Thing", {"n": n}) for n in range(4)],
            expected_version=NO_STREAM,
            metadata=meta,
        )


def tamper(sql: str, params: list) -> None:
    # What an attacker with the owner's rights could do; the test's transaction rolls it back.
    immutability.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_intact_streams_verify(meta, capsys):
    write_streams(meta)

    call_command("verify_events")

    assert "OK: 2 streams, 8 events" in capsys.readouterr().out


def test_an_altered_payload_is_named_as_the_first_broken_event(meta):
    write_streams(meta)
    target = Event.objects.get(stream_id="s-2", version=3)
    tamper(
        "UPDATE eventstore_event SET payload = %s WHERE position = %s",
        ['{"n": 1000}', target.position],
    )

    report = verify_stream("s-2")
    assert report.breach is not None
    assert report.breach.position == target.position
    assert "altered" in report.breach.problem
    assert verify_stream("s-1").breach is None
    with pytest.raises(CommandError, match=f"#{target.position}"):
        call_command("verify_events")


def test_an_altered_metadata_actor_is_detected(meta):
    write_streams(meta)
    target = Event.objects.get(stream_id="s-1", version=1)
    tamper(
        "UPDATE eventstore_event SET metadata = %s WHERE position = %s",
        ['{"actor": "user:someone-else", "source": "system"}', target.position],
    )

    breach = verify_stream("s-1").breach
    assert breach is not None
    assert breach.position == target.position


def test_a_deleted_event_breaks_the_version_sequence(meta):
    write_streams(meta)
    target = Event.objects.get(stream_id="s-1", version=2)
    tamper("DELETE FROM eventstore_event WHERE position = %s", [target.position])

    breach = verify_stream("s-1").breach
    assert breach is not None
    assert "expected version 2, found 3" in breach.problem


def test_verify_all_reports_every_stream(meta):
    write_streams(meta)

    reports = list(verify_all())

    assert [(r.stream_id, r.events, r.breach) for r in reports] == [
        ("s-1", 4, None),
        ("s-2", 4, None),
    ]
