"""The JetStream sink against the local NATS server: stream, subjects, headers, de-duplication."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eventstore.store import read_all
from projections.relay.jetstream import JetStreamSink
from projections.relay.messages import to_message
from projections.relay.relay import Relay
from projections.relay.subjects import subject
from tests.projections.relay.conftest import stored_messages, stream_config

pytestmark = pytest.mark.django_db


def test_opening_the_sink_creates_the_stream_with_the_retention_asked_for(jetstream):
    with JetStreamSink(jetstream):
        pass
    config = stream_config(jetstream)
    assert config.subjects == [f"{jetstream.subject_prefix}.>"]
    assert (config.max_age, config.max_bytes, config.duplicate_window) == (
        3600,
        64 * 1024 * 1024,
        600,
    )


def test_reopening_with_other_retention_updates_the_existing_stream(jetstream):
    with JetStreamSink(jetstream):
        pass
    with JetStreamSink(replace(jetstream, max_age=7200, duplicate_window=300)):
        pass
    config = stream_config(jetstream)
    assert (config.max_age, config.duplicate_window) == (7200, 300)


def test_each_event_goes_to_its_subject_with_the_event_id_as_message_id(new_cart, jetstream):
    new_cart({"TEA-001": 1, "MUG-001": 2})
    Relay(JetStreamSink(jetstream), batch_size=2).run(once=True)
    events = read_all(limit=100).events
    stored = stored_messages(jetstream)
    assert [m.subject for m in stored] == [
        subject(jetstream.subject_prefix, "cart", e.event_type) for e in events
    ]
    assert stored[0].subject == f"{jetstream.subject_prefix}.cart.cart_CartCreated"
    assert [m.headers["Nats-Msg-Id"] for m in stored] == [str(e.event_id) for e in events]
    assert [json.loads(m.body) for m in stored] == [json.loads(to_message(e).body) for e in events]


def test_a_batch_published_again_is_kept_once(new_cart, jetstream):
    new_cart({"TEA-001": 1})
    messages = [to_message(event) for event in read_all(limit=100).events]
    with JetStreamSink(jetstream) as sink:
        assert sink.publish(messages) == 0
        assert sink.publish(messages) == len(messages)
    assert len(stored_messages(jetstream)) == len(messages)
