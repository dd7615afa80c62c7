"""Personal data in events: stored encrypted per person, read in plain, erased by forgetting."""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from typing import ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from eventstore import master_keys, personal
from eventstore.metadata import Metadata
from eventstore.models import PersonalKey
from eventstore.personal import ERASED, UNREADABLE, Opener
from eventstore.registry import EventRegistry, registry
from eventstore.store import NO_STREAM, append, read_all, read_stream, read_stream_data
from eventstore.tail import read_tail
from eventstore.verify import verify_stream

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class ContactGiven:
    email: str
    country: str
    note: str = ""

    personal_fields: ClassVar[tuple[str, ...]] = ("email", "note")


registry.register("test.ContactGiven", ContactGiven)

ADA = ContactGiven(email="ada@example.com", country="GB", note="ring twice")
GRACE = ContactGiven(email="grace@example.com", country="US")
META = Metadata(actor="user:1", source="ui", client_ip="203.0.113.7", user_agent="Firefox/140")


def _stored_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload, metadata FROM eventstore_event ORDER BY position")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def _write(stream: str = "contact-1", subject: str = "user:1", event: object = ADA) -> None:
    append(stream, [event], expected_version=NO_STREAM, metadata=META, subject=subject)


def test_personal_fields_and_the_client_are_stored_encrypted_and_read_in_plain():
    _write()

    stored = _stored_text()
    for plain in ("ada@example.com", "ring twice", "203.0.113.7", "Firefox/140"):
        assert plain not in stored
    assert stored.count(personal.PREFIX) == 4
    assert "GB" in stored  # not declared personal
    assert read_stream("contact-1")[0].data == ADA
    assert read_stream("contact-1")[0].payload["email"] == "ada@example.com"
    assert read_stream("contact-1")[0].metadata["client_ip"] == "203.0.113.7"
    assert read_stream_data("contact-1") == [ADA]
    assert read_all().events[0].data == ADA
    assert read_tail("contact-1", snapshot_schema=1).events == [ADA]


def test_forgetting_a_person_erases_their_values_on_every_reader_and_breaks_no_chain():
    _write("contact-1", "user:1", ADA)
    _write("contact-2", "user:2", GRACE)
    stored_before = _stored_text()

    assert personal.forget(["user:1"]) == 1

    erased = ContactGiven(email=ERASED, country="GB", note=ERASED)
    assert read_stream("contact-1")[0].data == erased
    assert read_stream("contact-1")[0].payload["email"] == ERASED
    assert read_stream_data("contact-1") == [erased]
    assert read_tail("contact-1", snapshot_schema=1).events == [erased]
    assert [e.data for e in read_all().events] == [erased, GRACE]
    # The actor of both appends was user:1: their address is gone from both events' metadata.
    assert {e.metadata["client_ip"] for e in read_all().events} == {ERASED}
    assert _stored_text() == stored_before
    assert verify_stream("contact-1").breach is None
    assert verify_stream("contact-2").breach is None


def test_the_log_can_be_read_as_stored_for_relays():
    _write()

    stored = read_all(opened=False).events[0]

    assert personal.is_sealed(stored.payload["email"])
    assert personal.is_sealed(stored.metadata["client_ip"])


def test_personal_data_without_a_subject_is_refused_and_nothing_is_written(event_count):
    with pytest.raises(ValueError, match="data subject"):
        append("contact-1", [ADA], expected_version=NO_STREAM, metadata=META)

    assert event_count() == 0


def test_empty_personal_values_stay_empty():
    _write(event=GRACE)

    assert '"note": ""' in _stored_text()
    assert read_stream_data("contact-1") == [GRACE]


def test_a_value_moved_to_another_field_does_not_open():
    _write()
    stored = read_all(opened=False).events[0].payload

    opener = Opener()
    assert opener.open(stored["email"], "email") == "ada@example.com"
    assert opener.open(stored["email"], "note") == UNREADABLE


def test_a_key_made_in_a_transaction_that_rolled_back_is_never_used_again():
    with pytest.raises(RuntimeError), transaction.atomic():
        _write()
        raise RuntimeError("the caller's transaction fails")
    assert not PersonalKey.objects.exists()

    _write()

    assert read_stream_data("contact-1") == [ADA]


def _master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_rotating_the_master_key_re_wraps_data_keys_without_touching_events(settings):
    old, new = _master_key(), _master_key()
    settings.PERSONAL_DATA_KEYS = [old]
    _write()
    stored = _stored_text()

    settings.PERSONAL_DATA_KEYS = [new, old]
    assert personal.rewrap_all() == 1
    settings.PERSONAL_DATA_KEYS = [new]

    assert read_stream_data("contact-1") == [ADA]
    assert _stored_text() == stored


def test_a_data_key_whose_master_key_is_gone_says_what_to_configure(settings):
    settings.PERSONAL_DATA_KEYS = [_master_key()]
    _write()
    settings.PERSONAL_DATA_KEYS = [_master_key()]

    with pytest.raises(ImproperlyConfigured, match="not in PERSONAL_DATA_KEYS"):
        read_stream_data("contact-1")


def test_a_malformed_master_key_is_refused_with_how_to_make_one(settings):
    settings.PERSONAL_DATA_KEYS = ["too-short"]

    with pytest.raises(ImproperlyConfigured, match="32 random bytes"):
        _write()


def test_personal_fields_must_be_fields_of_the_event():
    @dataclass(frozen=True)
    class Wrong:
        email: str
        personal_fields: ClassVar[tuple[str, ...]] = ("e_mail",)

    with pytest.raises(ValueError, match="unknown personal fields"):
        EventRegistry().register("test.Wrong", Wrong)


def test_the_payload_schema_marks_personal_fields():
    schema = registry.payload_schema("test.ContactGiven")

    properties = schema["$defs"]["ContactGiven"]["properties"]
    assert properties["email"]["x-personal"] is True
    assert "x-personal" not in properties["country"]


def test_the_rotation_command_re_wraps_and_says_with_which_key(settings):
    from django.core.management import call_command

    old, new = _master_key(), _master_key()
    settings.PERSONAL_DATA_KEYS = [old]
    _write()
    settings.PERSONAL_DATA_KEYS = [new, old]
    out = io.StringIO()

    call_command("rotate_personal_data_key", stdout=out)

    assert "1 data key(s) re-wrapped" in out.getvalue()
    assert set(PersonalKey.objects.values_list("master_key_id", flat=True)) == {
        next(iter(master_keys._keys()))
    }


def test_a_page_of_many_people_opens_each_with_their_own_key():
    from django.test.utils import CaptureQueriesContext

    people = [ContactGiven(email=f"p{n}@example.com", country="DE") for n in range(5)]
    for n, person in enumerate(people):
        _write(f"contact-{n}", f"user:{n}", person)

    with CaptureQueriesContext(connection) as queries:
        assert [e.data for e in read_all().events] == people
    key_queries = [q for q in queries.captured_queries if "eventstore_personalkey" in q["sql"]]
    assert len(key_queries) <= 2  # the first key, then every other key of the page at once


def test_setting_master_keys_on_a_shop_that_ran_without_keeps_its_data_readable(settings):
    from django.core.management import call_command

    settings.PERSONAL_DATA_KEYS = []
    _write()
    settings.PERSONAL_DATA_KEYS = [_master_key()]

    assert read_stream_data("contact-1") == [ADA]
    call_command("rotate_personal_data_key", stdout=io.StringIO())
    assert set(PersonalKey.objects.values_list("master_key_id", flat=True)) == {
        master_keys.current_id()
    }


def test_the_rotation_command_names_a_missing_master_key_without_a_traceback(settings):
    from django.core.management import CommandError, call_command

    settings.PERSONAL_DATA_KEYS = [_master_key()]
    _write()
    settings.PERSONAL_DATA_KEYS = [_master_key()]

    with pytest.raises(CommandError, match="not in PERSONAL_DATA_KEYS"):
        call_command("rotate_personal_data_key", stdout=io.StringIO())
