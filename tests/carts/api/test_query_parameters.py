"""Every API route refuses a query parameter it does not read (400, naming it and the accepted
ones) instead of ignoring it, and writes nothing; the feed refuses unknown event types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from carts.api.views.base import ApiView
from tests.carts.api.conftest import problem_of, token_client

# Documentation, not endpoints: the schema (format, lang) and the docs page are drf-spectacular's.
DOCUMENTATION = {"api:schema", "api:docs"}
METHODS = ("get", "post", "put", "delete")


def api_routes() -> Iterator[tuple[str, URLPattern]]:
    """Every named route under /api/, with its route text."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name:
                    yield f"/api/{pattern.pattern}", pattern


def view_class(pattern: URLPattern) -> type[ApiView]:
    return pattern.callback.view_class  # type: ignore[attr-defined,no-any-return]


ROUTES = [
    (f"{route}:{method}", route, pattern, method)
    for route, pattern in api_routes()
    if f"api:{pattern.name}" not in DOCUMENTATION
    for method in METHODS
    if hasattr(view_class(pattern), method)
]


@pytest.fixture
def as_superuser(db) -> APIClient:
    return token_client(User.objects.create_superuser("root"))


def url_of(route: str, cart_id: Any) -> str:
    return (
        route.replace("<uuid:cart_id>", str(cart_id))
        .replace("<str:sku>", "TEA-001")
        .replace("<str:event_type>", "cart.ItemAdded")
        .replace("<str:customer_id>", "user:1")
        .replace("<uuid:subscription_id>", "00000000-0000-4000-8000-000000000000")
    )


def test_the_sweep_covers_every_api_route():
    routes = {route for _, route, _, _ in ROUTES}
    assert "/api/events/" in routes
    assert "/api/carts/<uuid:cart_id>/" in routes
    assert any(route.startswith("/api/read-models/") for route in routes)
    assert len(ROUTES) >= 13


def test_every_api_view_shares_the_one_query_check():
    for _, _, pattern, _ in ROUTES:
        assert issubclass(view_class(pattern), ApiView), pattern.name


@pytest.mark.parametrize(("name", "route", "pattern", "method"), ROUTES, ids=[r[0] for r in ROUTES])
def test_an_unknown_query_parameter_is_refused_and_writes_nothing(
    as_superuser, new_cart, event_count, name, route, pattern, method
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    call = getattr(as_superuser, method)
    response = call(f"{url_of(route, cart_id)}?colour=red", {}, format="json")
    body = problem_of(response)
    assert response.status_code == 400
    assert body["code"] == "unknown_query_parameter"
    assert "'colour'" in body["detail"]
    accepted = view_class(pattern)().accepted_query_parameters(method.upper())
    assert all(name in body["detail"] for name in accepted)
    assert event_count() == before


def test_every_accepted_query_parameter_is_documented_and_every_documented_one_accepted():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for _, route, pattern, method in ROUTES:
        path = (
            route.replace("<uuid:cart_id>", "{cart_id}")
            .replace("<str:sku>", "{sku}")
            .replace("<sku:sku>", "{sku}")
            .replace("<str:event_type>", "{event_type}")
            .replace("<str:customer_id>", "{customer_id}")
            .replace("<uuid:subscription_id>", "{subscription_id}")
        )
        operation = paths[path][method]
        documented = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        accepted = view_class(pattern)().accepted_query_parameters(method.upper())
        assert documented == set(accepted), (path, method)


def test_known_query_parameters_still_work(as_staff, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    assert as_staff.get(f"/api/carts/{cart_id}/?version=1").status_code == 200
    assert as_staff.get("/api/events/?limit=1").status_code == 200


def test_the_feed_refuses_unknown_event_types_naming_them(as_staff, new_cart):
    new_cart(("TEA-001", 1))
    response = as_staff.get("/api/events/", {"event_type": "cart.ItemAdded,cart.ItemAded,x.Y"})
    body = problem_of(response)
    assert response.status_code == 400
    message = " ".join(body["errors"]["event_type"])
    assert "cart.ItemAded" in message
    assert "x.Y" in message
    assert "cart.ItemAdded" in message  # among the known types it lists


def test_the_feed_filters_by_known_event_types(as_staff, new_cart):
    new_cart(("TEA-001", 1))
    response = as_staff.get("/api/events/", {"event_type": "cart.ItemAdded"})
    assert response.status_code == 200
    assert [e["event_type"] for e in response.json()["events"]] == ["cart.ItemAdded"]


def test_a_path_with_a_line_break_is_still_answered_with_problem_documents(as_staff):
    response = as_staff.get("/api/carts/abc%0Adef/checkout/", HTTP_X_CORRELATION_ID="?")
    body = problem_of(response)
    assert response.status_code == 400
    assert body["code"] == "invalid_correlation_id"
    assert problem_of(as_staff.get("/api/carts/abc%0Adef/"))["code"] == "not_found"
