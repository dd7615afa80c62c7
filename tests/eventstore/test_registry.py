"""Event type names, schema versions and upcasting of old stored shapes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from eventstore.errors import UnknownEventType
from eventstore.registry import EventRegistry


@dataclass(frozen=True)
class PriceSet:
    sku: str
    amount: Decimal
    label: str


def upcast_v1(payload):
    return {"sku": payload["sku"], "amount": payload["price"], "label": payload["sku"]}


def test_a_class_encodes_under_its_stable_name():
    registry = EventRegistry()
    registry.register("shop.PriceSet", PriceSet, schema_version=2, upcasters={1: upcast_v1})

    name, version, payload = registry.encode(PriceSet("A", Decimal("1.50"), "Apple"))

    assert (name, version) == ("shop.PriceSet", 2)
    assert payload == {"sku": "A", "amount": "1.50", "label": "Apple"}


def test_an_old_payload_is_upcast_when_read():
    registry = EventRegistry()
    registry.register("shop.PriceSet", PriceSet, schema_version=2, upcasters={1: upcast_v1})

    event, payload, schema = registry.decode("shop.PriceSet", 1, {"sku": "A", "price": "2.00"})

    assert event == PriceSet("A", Decimal("2.00"), "A")
    assert schema == 2
    assert payload["amount"] == "2.00"


def test_a_missing_upcaster_is_a_clear_error():
    registry = EventRegistry()
    registry.register("shop.PriceSet", PriceSet, schema_version=3, upcasters={1: upcast_v1})

    with pytest.raises(UnknownEventType, match="no upcaster from schema version 2 to 3"):
        registry.decode("shop.PriceSet", 1, {"sku": "A", "price": "2.00"})


def test_names_and_classes_cannot_be_registered_twice():
    registry = EventRegistry()
    registry.register("shop.PriceSet", PriceSet)
    registry.register("shop.PriceSet", PriceSet)  # the same pair again is harmless

    with pytest.raises(ValueError, match="already registered"):
        registry.register("shop.Other", PriceSet)
    with pytest.raises(ValueError, match=r"context\.EventName"):
        registry.register("NoContext", PriceSet)


def test_unregistered_classes_cannot_be_encoded():
    with pytest.raises(UnknownEventType, match="not a registered event type"):
        EventRegistry().encode(PriceSet("A", Decimal("1"), "x"))


def test_unknown_types_decode_to_their_raw_payload():
    event, payload, schema = EventRegistry().decode("other.Thing", 1, {"a": 1})

    assert event == payload == {"a": 1}
    assert schema == 1
