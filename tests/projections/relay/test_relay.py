"""The relay loop against a fake broker: every event once, in log order, checkpoint after ack."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from eventstore.store import START, head_checkpoint, read_all
from projections.models import RelayState
from projections.relay import relay as relay_module
from projections.relay.messages import to_message
from projections.relay.relay import Relay
from projections.relay.sink import Message, SinkError
from tests.metric_samples import Counted
from tests.projections.relay.conftest import FakeSink

pytestmark = pytest.mark.django_db


def _log_ids() -> list[str]:
    return [str(event.event_id) for event in read_all(limit=1000).events]


def _checkpoint(sink: FakeSink) -> str:
    return RelayState.objects.get(name=sink.name).checkpoint


def test_the_relay_publishes_every_event_once_in_log_order(new_cart, fake_sink):
    new_cart({"TEA-001": 1, "MUG-001": 2})
    new_cart({"TEA-001": 3})
    totals = Relay(fake_sink, batch_size=2).run(once=True)
    assert [message.id for message in fake_sink.held] == _log_ids()
    assert totals.published == 5 and totals.duplicates == 0
    assert [len(batch) for batch in fake_sink.batches] == [2, 2, 1]
    assert _checkpoint(fake_sink) == head_checkpoint()


def test_a_message_carries_the_event_as_json_with_its_metadata(new_cart):
    new_cart({"TEA-001": 2})
    event = read_all(limit=10).events[-1]
    message = to_message(event)
    body = json.loads(message.body)
    assert (message.id, message.stream_type, message.event_type) == (
        str(event.event_id),
        "cart",
        "cart.ItemAdded",
    )
    assert body == {
        "event_id": str(event.event_id),
        "stream_id": event.stream_id,
        "stream_type": "cart",
        "version": 2,
        "event_type": "cart.ItemAdded",
        "schema_version": event.schema_version,
        "payload": event.payload,
        "metadata": event.metadata,
        "recorded_at": event.recorded_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "checkpoint": event.checkpoint,
    }
    assert body["metadata"]["actor"] == "user:test"


def test_a_batch_the_broker_did_not_acknowledge_leaves_the_checkpoint_where_it_was(
    new_cart, fake_sink
):
    new_cart({"TEA-001": 1})
    fake_sink.fail_next = 1
    with pytest.raises(SinkError):
        Relay(fake_sink, batch_size=10).run(once=True)
    assert _checkpoint(fake_sink) == START
    Relay(fake_sink, batch_size=10).run(once=True)
    assert [message.id for message in fake_sink.held] == _log_ids()
    assert _checkpoint(fake_sink) == head_checkpoint()


def test_a_relay_resuming_from_an_older_checkpoint_is_deduplicated_by_event_id(new_cart, fake_sink):
    new_cart({"TEA-001": 1, "MUG-001": 1})
    Relay(fake_sink, batch_size=2).run(once=True)
    # As after a kill between the broker's acknowledgement and the checkpoint's update.
    RelayState.objects.filter(name=fake_sink.name).update(checkpoint=START)
    totals = Relay(fake_sink, batch_size=2).run(once=True)
    assert totals.published == 3 and totals.duplicates == 3
    assert [message.id for message in fake_sink.held] == _log_ids()


def test_a_restarted_relay_publishes_only_the_events_after_its_checkpoint(new_cart, fake_sink):
    new_cart({"TEA-001": 1})
    Relay(fake_sink).run(once=True)
    before = len(fake_sink.held)
    new_cart({"MUG-001": 4})
    Relay(fake_sink).run(once=True)
    assert fake_sink.batches[-1] == _log_ids()[before:]
    assert [message.id for message in fake_sink.held] == _log_ids()


class StoppingSink(FakeSink):
    """Asks the relay to stop once it holds ``wanted`` messages, as SIGTERM would."""

    def __init__(self, relay_stop: object, wanted: int) -> None:
        super().__init__()
        self.relay_stop, self.wanted = relay_stop, wanted

    def publish(self, messages: Sequence[Message]) -> int:
        duplicates = super().publish(messages)
        if len(self.held) >= self.wanted:
            self.relay_stop.set()  # type: ignore[attr-defined]
        return duplicates


def test_a_running_relay_retries_a_failing_broker_from_its_checkpoint(new_cart, monkeypatch):
    monkeypatch.setattr(relay_module, "FIRST_RETRY", relay_module.timedelta(0))
    new_cart({"TEA-001": 1, "MUG-001": 1})
    relay = Relay(FakeSink(), batch_size=2, poll_seconds=0)
    sink = StoppingSink(relay.stop, wanted=3)
    relay.sink, sink.fail_next = sink, 2
    totals = relay.run()
    assert [message.id for message in sink.held] == _log_ids()
    assert (sink.opened, sink.closed) == (3, 3)
    assert totals.published == 3
    assert RelayState.objects.get(name=sink.name).last_error == ""


def test_a_relay_asked_to_stop_publishes_nothing_more(new_cart, fake_sink):
    new_cart({"TEA-001": 1})
    relay = Relay(fake_sink)
    relay.stop.set()
    assert relay.run().published == 0
    assert fake_sink.held == []


def test_a_batch_size_below_one_is_refused(fake_sink):
    with pytest.raises(ValueError, match="batch_size"):
        Relay(fake_sink, batch_size=0)


def test_personal_values_go_to_the_broker_as_stored_encrypted(new_cart, fake_sink, meta):
    from dataclasses import replace

    from carts.application.commands import CheckOut
    from carts.application.handler import Context, handle
    from tests.checkout_details import DETAILS

    cart_id = new_cart({"TEA-001": 1})
    seen = replace(meta, client_ip="203.0.113.9")
    handle(CheckOut(cart_id=cart_id, details=DETAILS), Context.system(seen))

    Relay(fake_sink, batch_size=100).run(once=True)

    published = b"".join(message.body for message in fake_sink.held).decode()
    assert DETAILS.email not in published and "203.0.113.9" not in published
    # Five details, and the client address of each of the two events the checkout wrote.
    assert published.count("enc:v1:") == 7
    opened = [e for e in read_all().events if e.event_type == "cart.CheckoutDetailsProvided"]
    assert DETAILS.email in opened[0].payload_json.decode()  # type: ignore[union-attr]


def test_published_events_duplicates_batches_and_failures_are_counted(new_cart, monkeypatch):
    monkeypatch.setattr(relay_module, "FIRST_RETRY", relay_module.timedelta(0))
    new_cart({"TEA-001": 1, "MUG-001": 1})
    relay = Relay(FakeSink(), batch_size=2, poll_seconds=0)
    sink = StoppingSink(relay.stop, wanted=3)
    relay.sink, sink.fail_next = sink, 1
    labels = {"sink": sink.name}
    counted = Counted(
        ("ledger_relay_published_events_total", labels),
        ("ledger_relay_duplicate_events_total", labels),
        ("ledger_relay_batches_total", labels),
        ("ledger_relay_failures_total", {**labels, "failed": "broker"}),
    )
    relay.run()
    assert counted.added() == [3.0, 0.0, 2.0, 1.0]
    RelayState.objects.filter(name=sink.name).update(checkpoint=START)
    again = Counted(("ledger_relay_duplicate_events_total", labels))
    Relay(sink, batch_size=2).run(once=True)
    assert again.added() == [3.0]
