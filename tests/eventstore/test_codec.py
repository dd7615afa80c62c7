"""Events to JSON payloads and back: every registered type, current and upcast shapes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from carts.domain import events
from eventstore.codec import from_json, from_payload, to_payload
from eventstore.registry import registry
from tests.eventstore.cart_event_examples import EXAMPLES


def stored_json(event: object) -> str:
    """The payload's text as the database hands it back."""
    return json.dumps(to_payload(event))


def test_the_examples_cover_every_registered_cart_event_type():
    covered = {registry.for_class(type(event)).name for event in EXAMPLES}

    assert covered == {name for name in registry.names() if name.startswith("cart.")}


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_every_event_decodes_from_its_stored_json_to_an_equal_event(event):
    decoded = from_json(type(event), stored_json(event))

    assert decoded == event
    assert to_payload(decoded) == to_payload(event)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_every_event_decodes_from_its_payload_dict_to_an_equal_event(event):
    assert from_payload(type(event), to_payload(event)) == event


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_a_current_payload_is_read_from_its_text_as_from_its_dict(event):
    name, schema, payload = registry.encode(event)

    from_text = registry.decode_stored(name, schema, json.dumps(payload))
    from_dict = registry.decode(name, schema, payload)

    assert from_text[0] == from_dict[0] == event
    assert from_text[1] == json.dumps(payload)  # current: left as its text
    assert from_dict[1] == payload
    assert from_text[2] == from_dict[2] == schema


def test_an_item_added_of_schema_one_is_upcast_alike_from_text_and_from_a_dict():
    old_shape = {"sku": "TEA-001", "price": "3.75", "currency": "EUR", "quantity": 2}

    from_text = registry.decode_stored("cart.ItemAdded", 1, json.dumps(old_shape))
    from_dict = registry.decode("cart.ItemAdded", 1, old_shape)

    expected = events.ItemAdded(
        sku="TEA-001",
        name="TEA-001",
        unit_price=Decimal("3.75"),
        currency="EUR",
        quantity=2,
        reprices_line=True,
    )
    assert from_text == from_dict
    assert from_text[0] == expected
    assert from_text[1] == to_payload(expected)
    assert from_text[2] == 3


def test_missing_defaults_are_filled_and_unknown_fields_ignored():
    text = '{"cart_id": "6f1c1f5e-0000-4000-8000-000000000001", "coupon": "none"}'

    event = from_json(events.CartCreated, text)

    assert (event.owner_id, event.currency) == ("", "")


def test_a_payload_that_does_not_fit_its_class_is_refused():
    with pytest.raises(ValueError, match="quantity"):
        from_json(events.ItemRemoved, '{"sku": "TEA-001"}')
    with pytest.raises(ValueError, match="quantity"):
        from_json(events.ItemRemoved, '{"sku": "TEA-001", "quantity": "two"}')


def test_an_unregistered_type_reads_as_its_plain_payload():
    event, payload, schema = registry.decode_stored("other.Thing", 3, '{"a": [1, "2.50"]}')

    assert event == payload == {"a": [1, "2.50"]}
    assert schema == 3
