"""The one decoder of event rows (eventstore.rows): upcast for readers, as stored for the chain.

Part of the contract suite: it runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection

from eventstore.log import read_all
from eventstore.registry import registry
from eventstore.rows import SELECT_EVENTS, decode_event
from eventstore.store import NO_STREAM, RawEvent, append
from eventstore.streams import read_first, read_stream, read_stream_data
from eventstore.verify import verify_stream

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Priced:
    sku: str
    amount: Decimal


registry.register(
    "test.Priced",
    Priced,
    schema_version=2,
    upcasters={1: lambda old: {"sku": old["sku"], "amount": old["price"]}},
)


@pytest.fixture
def old_shape(meta) -> str:
    """A stream whose one event was written in schema 1 of its type (now at schema 2)."""
    old = RawEvent("test.Priced", {"sku": "A", "price": "2.00"}, schema_version=1)
    append("p-1", [old], expected_version=NO_STREAM, metadata=meta)
    return "p-1"


def test_every_reader_gets_an_old_event_upcast_to_its_current_class(old_shape):
    current = Priced("A", Decimal("2.00"))

    assert [e.data for e in read_stream(old_shape)] == [current]
    assert [e.data for e in read_all().events] == [current]
    assert read_stream_data(old_shape) == [current]
    first = read_first(old_shape)
    assert first is not None
    assert (first.schema_version, first.payload) == (2, {"sku": "A", "amount": "2.00"})


def test_as_stored_the_row_keeps_the_schema_and_payload_it_was_written_in(old_shape):
    with connection.cursor() as cursor:
        cursor.execute(f"{SELECT_EVENTS} WHERE stream_id = %s", [old_shape])
        stored = decode_event(cursor.fetchone(), upcast=False)

    assert (stored.schema_version, stored.payload) == (1, {"sku": "A", "price": "2.00"})
    assert stored.data == stored.payload
    upcast = read_stream(old_shape)[0]
    assert (stored.event_id, stored.hash, stored.metadata) == (
        upcast.event_id,
        upcast.hash,
        upcast.metadata,
    )


def test_an_upcast_event_still_verifies_because_its_stored_form_is_hashed(old_shape):
    report = verify_stream(old_shape)

    assert (report.events, report.breach) == (1, None)
