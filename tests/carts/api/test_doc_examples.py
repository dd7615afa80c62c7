"""The OpenAPI document's examples work in "Try it out" and match the shapes they illustrate:
every response example validates against its schema, no header a client must vary is
pre-filled, and the feed's example checkpoint has the shape the feed accepts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.test import Client
from jsonschema import Draft7Validator

from carts.api.schema import EXAMPLE_CHECKPOINT
from carts.api.views.feed import CHECKPOINT_PATTERN

# Headers whose value must change from one command to the next (a fixed If-Match goes stale,
# a fixed Idempotency-Key is a replay): Swagger UI would pre-fill an example into every try.
NO_EXAMPLE_HEADERS = {"If-Match", "If-None-Match", "Idempotency-Key"}


@pytest.fixture
def document(db) -> dict[str, Any]:
    return yaml.safe_load(Client().get("/api/schema/").content)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def response_examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    for name, operation in operations(document):
        for status, response in operation.get("responses", {}).items():
            for media in response.get("content", {}).values():
                for title, example in media.get("examples", {}).items():
                    yield f"{name} {status} {title}", example["value"], media["schema"]


def as_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_the_document_has_response_examples_to_check(document):
    assert len(list(response_examples(document))) >= 5


def test_every_response_example_validates_against_its_schema(document):
    components = as_json_schema(document["components"])
    for name, value, schema in response_examples(document):
        validator = Draft7Validator({**as_json_schema(schema), "components": components})
        problems = [error.message for error in validator.iter_errors(value)]
        assert not problems, (name, problems[:3])


def test_no_list_example_nests_a_list_in_its_list(document):
    for name, value, _ in response_examples(document):
        rows = value.get("results") if isinstance(value, dict) else value
        if isinstance(rows, list):
            assert not any(isinstance(row, list) for row in rows), name


def test_no_example_points_at_an_api_that_does_not_exist(document):
    assert "example.org" not in yaml.safe_dump(document)


def test_headers_a_client_must_vary_carry_no_example(document):
    documented = set()
    for name, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] in NO_EXAMPLE_HEADERS:
                documented.add(parameter["name"])
                assert "example" not in parameter, name
                assert "examples" not in parameter, name
                assert "example" not in parameter["schema"], name
    assert documented == NO_EXAMPLE_HEADERS


def test_every_example_checkpoint_has_the_shape_the_feed_accepts(document):
    checkpoints = re.findall(r"checkpoint: '?([^'\n]+)'?", yaml.safe_dump(document))
    assert checkpoints
    for checkpoint in checkpoints:
        assert re.fullmatch(CHECKPOINT_PATTERN, checkpoint), checkpoint
        assert not checkpoint.startswith(("0:", "-")), checkpoint  # no transaction is numbered 0


def test_the_feed_example_checkpoint_is_refused_only_as_unknown_not_as_malformed(
    as_staff, new_cart
):
    # On a store that never wrote there it names no event, which is all a made-up one can do.
    new_cart(("TEA-001", 1))
    body = as_staff.get("/api/events/", {"after": EXAMPLE_CHECKPOINT}).json()
    assert body["code"] in ("invalid_checkpoint", "checkpoint_not_reached")
    assert "malformed" not in body["detail"]
