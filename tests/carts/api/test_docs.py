"""The OpenAPI document and the interactive docs, served without the internet."""

from __future__ import annotations

import yaml
from django.test import Client

from carts.web.request_ids import ID_PATTERN


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
        "/api/carts/{cart_id}/checkout/",
        "/api/carts/{cart_id}/abandon/",
        "/api/events/",
        "/api/read-models/cart-summaries/",
        "/api/read-models/product-activity/",
        "/api/read-models/daily-funnel/",
        "/api/read-models/projections/",
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


def test_swagger_ui_is_served_from_local_static_files(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
