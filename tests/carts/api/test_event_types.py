"""GET /api/event-types/: each event type's payload schema, generated from its definition."""

from __future__ import annotations

import jsonschema
import pytest

from eventstore.registry import registry
from tests.carts.api.conftest import problem_of
from tests.eventstore.cart_event_examples import EXAMPLES


def test_every_registered_event_type_is_listed_with_its_current_schema_version(as_integration):
    listed = as_integration.get("/api/event-types/").json()

    assert [entry["event_type"] for entry in listed] == registry.names()
    for entry in listed:
        assert entry["schema_version"] == registry.event_type(entry["event_type"]).schema_version
        assert entry["schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    versions = {entry["event_type"]: entry["schema_version"] for entry in listed}
    assert versions["cart.ItemAdded"] == 3


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_every_payload_the_store_writes_validates_against_its_published_schema(
    as_integration, event
):
    name, _, payload = registry.encode(event)
    schema = as_integration.get(f"/api/event-types/{name}/").json()["schema"]

    jsonschema.validate(payload, schema)


def test_a_payload_with_a_wrong_field_type_fails_its_schema(as_integration):
    schema = as_integration.get("/api/event-types/cart.ItemAdded/").json()["schema"]
    _, _, payload = registry.encode(EXAMPLES[1])

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload | {"quantity": "two"}, schema)


def test_every_event_in_the_feed_validates_against_the_schema_of_its_type(as_integration, new_cart):
    new_cart(("TEA-001", 2), ("MUG-001", 1))
    schemas = {e["event_type"]: e["schema"] for e in as_integration.get("/api/event-types/").json()}

    events = as_integration.get("/api/events/").json()["events"]

    assert events
    for event in events:
        jsonschema.validate(event["data"], schemas[event["event_type"]])


def test_an_unknown_event_type_is_a_404_problem(as_integration):
    response = as_integration.get("/api/event-types/cart.Nope/")
    assert response.status_code == 404
    assert problem_of(response)["code"] == "unknown_event_type"


def test_the_event_types_need_a_signed_in_caller(anonymous):
    assert anonymous.get("/api/event-types/").status_code == 401


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "1e3", "4,50", ""])
def test_an_amount_that_is_no_plain_decimal_fails_its_schema(as_integration, amount):
    schema = as_integration.get("/api/event-types/cart.ItemAdded/").json()["schema"]
    _, _, payload = registry.encode(EXAMPLES[1])

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload | {"unit_price": amount}, schema)


def test_the_schemas_are_for_those_who_may_read_the_feed(as_owner):
    assert as_owner.get("/api/event-types/").status_code == 403
    assert as_owner.get("/api/events/").status_code == 403


def test_an_unknown_name_is_not_echoed_back_at_length(as_integration):
    response = as_integration.get(f"/api/event-types/{'a' * 100_000}/")
    assert response.status_code == 404
    assert len(response.content) < 1_000
