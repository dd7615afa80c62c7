"""The OpenAPI document and the interactive docs, served without the internet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.test import Client

from carts.application import demo
from carts.web.request_ids import ID_PATTERN
from tests.carts.api.conftest import problem_of


def test_the_openapi_document_lists_every_endpoint(db):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/carts/",
        "/api/carts/{cart_id}/",
        "/api/carts/{cart_id}/events/",
        "/api/carts/{cart_id}/items/",
        "/api/carts/{cart_id}/items/{sku}/",
        "/api/carts/{cart_id}/items/{sku}/price/",
        "/api/carts/{cart_id}/discount/",
        "/api/carts/{cart_id}/checkout-details/",
        "/api/carts/{cart_id}/checkout/",
        "/api/carts/{cart_id}/abandon/",
        "/api/me/data/",
        "/api/customers/{customer_id}/forget/",
        "/api/products/",
        "/api/events/",
        "/api/event-types/",
        "/api/event-types/{event_type}/",
        "/api/read-models/cart-summaries/",
        "/api/read-models/product-activity/",
        "/api/read-models/daily-funnel/",
        "/api/read-models/projections/",
        "/api/webhooks/",
        "/api/webhooks/{subscription_id}/",
        "/api/webhooks/{subscription_id}/rotate-secret/",
        "/api/webhooks/{subscription_id}/replay/",
    }


def test_commands_document_their_headers_errors_and_examples(db):
    document = yaml.safe_load(Client().get("/api/schema/").content)
    add_item = document["paths"]["/api/carts/{cart_id}/items/"]["post"]
    headers = {p["name"] for p in add_item["parameters"] if p["in"] == "header"}
    assert headers == {"If-Match", "Idempotency-Key", "X-Correlation-ID"}
    correlation = next(p for p in add_item["parameters"] if p["name"] == "X-Correlation-ID")
    assert correlation["schema"]["pattern"] == ID_PATTERN
    assert set(add_item["responses"]["200"]["headers"]) == {
        "ETag",
        "X-Event-Position",
        "Idempotent-Replayed",
    }
    for status in ("400", "401", "403", "404", "409", "412", "413", "422", "429"):
        assert "application/problem+json" in add_item["responses"][status]["content"], status
    assert add_item["requestBody"]["content"]["application/json"]["examples"]
    assert document["components"]["schemas"]["AddItemInputRequest"]["additionalProperties"] is False


def test_checkout_and_personal_data_endpoints_document_their_bodies_and_refusals(db):
    document = yaml.safe_load(Client().get("/api/schema/").content)
    paths, schemas = document["paths"], document["components"]["schemas"]
    details = paths["/api/carts/{cart_id}/checkout-details/"]["put"]
    assert {p["name"] for p in details["parameters"] if p["in"] == "header"} == {
        "If-Match",
        "Idempotency-Key",
        "X-Correlation-ID",
    }
    assert "invalid_checkout_details" in details["description"]
    body = schemas["CheckoutDetailsInputRequest"]
    assert set(body["required"]) == {
        "email",
        "full_name",
        "address_line1",
        "city",
        "postal_code",
        "country",
    }
    assert body["properties"]["email"]["maxLength"] == 254
    checkout = paths["/api/carts/{cart_id}/checkout/"]["post"]
    assert "checkout_details_missing" in checkout["description"]
    assert "checkout_details" in schemas["CheckoutInputRequest"]["properties"]
    cart = schemas["Cart"]["properties"]
    assert {"order_number", "checkout_details"} <= set(cart)
    forget = paths["/api/customers/{customer_id}/forget/"]["post"]
    for status in ("400", "401", "403", "404"):
        assert "application/problem+json" in forget["responses"][status]["content"], status
    assert set(schemas["Forgotten"]["required"]) == {
        "customer",
        "subjects",
        "carts",
        "keys_deleted",
        "position",
    }
    data = paths["/api/me/data/"]["get"]["responses"]["200"]
    assert "Content-Disposition" in data["headers"]


def test_swagger_ui_is_served_from_local_static_files(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def _examples(node: Any) -> Iterator[Any]:
    """Every example value anywhere in an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "example":
                yield value
            elif key == "examples" and isinstance(value, dict):
                yield from (example.get("value") for example in value.values())
            else:
                yield from _examples(value)
    elif isinstance(node, list):
        for item in node:
            yield from _examples(item)


def _named(node: Any, key: str) -> Iterator[Any]:
    """Every value under ``key`` in an example, however deep."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _named(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _named(item, key)


def test_every_sku_and_discount_code_in_the_examples_is_in_the_demo_catalog(db):
    document = yaml.safe_load(Client().get("/api/schema/").content)
    skus: set[str] = set()
    codes: set[str] = set()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for example in _examples(operation):
                skus.update(_named(example, "sku"))
                if path.endswith("/discount/"):
                    codes.update(_named(example, "code"))
                codes.update(d["code"] for d in _named(example, "discount") if d)
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "sku" and parameter["in"] == "path":
                    skus.update(e["value"] for e in parameter["examples"].values())
    on_sale = {sku for sku, *_ in demo.PRODUCTS if sku not in demo.RETIRED}
    assert skus and skus <= on_sale, skus - on_sale
    assert codes and codes <= {code for code, *_ in demo.CODES}, codes


def test_the_cart_documents_if_none_match_and_its_304(db):
    document = yaml.safe_load(Client().get("/api/schema/").content)
    read = document["paths"]["/api/carts/{cart_id}/"]["get"]
    assert "If-None-Match" in {p["name"] for p in read["parameters"] if p["in"] == "header"}
    assert "ETag" in read["responses"]["304"]["headers"]


@pytest.mark.parametrize(
    ("url", "query", "code"),
    [
        ("/api/schema/", "bogus=1", "unknown_query_parameter"),
        ("/api/schema/", "version=2", "unknown_query_parameter"),
        ("/api/schema/", "format=json&format=json", "repeated_query_parameter"),
        ("/api/docs/", "bogus=1", "unknown_query_parameter"),
        ("/api/docs/", "version=2", "unknown_query_parameter"),
        ("/api/docs/", "lang=en&lang=de", "repeated_query_parameter"),
    ],
)
def test_the_schema_and_docs_refuse_query_parameters_they_do_not_read(
    db, event_count, url, query, code
):
    before = event_count()
    response = Client().get(f"{url}?{query}")
    body = problem_of(response)
    assert (response.status_code, body["code"]) == (400, code)
    assert event_count() == before


@pytest.mark.parametrize("url", ["/api/schema/?format=json&lang=en", "/api/docs/?lang=en"])
def test_the_schema_and_docs_still_read_what_they_read(db, url):
    assert Client().get(url).status_code == 200
