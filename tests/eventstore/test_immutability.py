"""Events cannot be changed or deleted: not by the ORM and not by raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from eventstore.errors import ImmutableEventError
from eventstore.models import Event
from eventstore.store import NO_STREAM, RawEvent, append

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(meta) -> Event:
    append("s-1", [RawEvent("test.Thing", {"n": 1})], expected_version=NO_STREAM, metadata=meta)
    return Event.objects.get(stream_id="s-1")


def raw_sql_is_refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return str(refused.value)


def test_raw_update_is_refused_by_the_database(stored):
    message = raw_sql_is_refused("UPDATE eventstore_event SET event_type = 'test.Forged'")

    assert "append-only" in message
    assert Event.objects.get(pk=stored.pk).event_type == "test.Thing"


def test_raw_delete_is_refused_by_the_database(stored):
    message = raw_sql_is_refused("DELETE FROM eventstore_event")

    assert "append-only" in message
    assert Event.objects.filter(pk=stored.pk).exists()


@pytest.mark.postgres  # TRUNCATE is PostgreSQL only
def test_raw_truncate_is_refused_by_the_database(stored):
    message = raw_sql_is_refused("TRUNCATE eventstore_event")

    assert "append-only" in message
    assert Event.objects.filter(pk=stored.pk).exists()


def test_saving_an_existing_event_is_refused(stored):
    stored.event_type = "test.Forged"
    with pytest.raises(ImmutableEventError, match="immutable"):
        stored.save()


def test_creating_events_through_the_orm_is_refused(meta):
    with pytest.raises(ImmutableEventError, match="append"):
        Event.objects.create(stream_id="x", version=1, event_type="t.T", payload={})
    with pytest.raises(ImmutableEventError, match="append"):
        Event.objects.bulk_create([Event(stream_id="x", version=1, event_type="t.T", payload={})])
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda: Event.objects.all().update(event_type="test.Forged"),
        lambda: Event.objects.all().delete(),
        lambda: Event.objects.filter(stream_id="s-1").update(version=9),
        lambda: Event.objects.bulk_update(list(Event.objects.all()), ["event_type"]),
        lambda: Event.objects.get(stream_id="s-1").delete(),
    ],
    ids=["update", "delete", "filtered-update", "bulk_update", "instance-delete"],
)
def test_queryset_changes_are_refused(stored, change):
    with pytest.raises(ImmutableEventError, match="refused"):
        change()

    assert Event.objects.get(pk=stored.pk).event_type == "test.Thing"
