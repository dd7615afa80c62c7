"""Every JSON body the API reads is strict JSON in UTF-8 with each member once: anything else is
refused (400 parse_error, or 415 for another charset) before a field is read, writing nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.test import APIClient

from carts.api import urls
from carts.api.parsers import BoundedJSONParser
from projections.webhooks.models import WebhookSubscription
from tests.carts.api.conftest import problem_of, token_client

# Every route and method that reads a JSON body, with who may send it. The webhook's DELETE
# reads no body, so nothing there is parsed.
BODY_ROUTES = [
    ("cart-create", "post", "owner"),
    ("cart-items", "post", "owner"),
    ("cart-item", "put", "owner"),
    ("cart-item", "delete", "owner"),
    ("cart-item-price", "put", "owner"),
    ("cart-discount", "post", "owner"),
    ("cart-discount", "delete", "owner"),
    ("cart-checkout-details", "put", "owner"),
    ("cart-checkout", "post", "owner"),
    ("cart-abandon", "post", "owner"),
    ("customer-forget", "post", "root"),
    ("webhooks", "post", "integration"),
    ("webhook", "patch", "integration"),
    ("webhook-rotate-secret", "post", "integration"),
    ("webhook-replay", "post", "integration"),
]
READS_NO_BODY = {("webhook", "delete")}
WRITES = ("post", "put", "patch", "delete")


def _api_views() -> dict[str, Any]:
    return {
        str(pattern.name): pattern.callback.cls
        for pattern in urls.urlpatterns
        if getattr(pattern, "name", None) and hasattr(pattern.callback, "cls")
    }


@pytest.fixture
def sender(as_owner, as_integration, owner, new_cart) -> Any:
    """A function sending ``body`` to a route and method as someone who may, answering the
    response and the number of things written (events and webhook subscriptions)."""
    from eventstore.models import Event

    cart_id = new_cart(("TEA-001", 1))
    created = as_integration.post(
        "/api/webhooks/", {"target_url": "https://93.184.215.14/hooks/x"}, format="json"
    )
    assert created.status_code == 201, created.content
    clients = {
        "owner": as_owner,
        "integration": as_integration,
        "root": token_client(User.objects.create_superuser("root")),
    }
    path = {
        "cart_id": cart_id,
        "sku": "TEA-001",
        "subscription_id": created.json()["id"],
        "customer_id": f"user:{owner.pk}",
    }

    def written() -> tuple[int, int, list[Any]]:
        subscriptions = list(WebhookSubscription.objects.values_list("target_url", "secret"))
        return Event.objects.count(), len(subscriptions), subscriptions

    def send(route: str, method: str, who: str, body: str, content_type: str) -> Any:
        view = _api_views()[route]
        pattern = next(p for p in urls.urlpatterns if getattr(p, "name", None) == route)
        kwargs = {name: path[name] for name in pattern.pattern.converters}
        client: APIClient = clients[who]
        before = written()
        url = reverse(f"api:{route}", kwargs=kwargs)
        assert hasattr(view, method), url
        response = client.generic(method.upper(), url, body, content_type=content_type)
        assert written() == before, f"{method.upper()} {url} wrote something"
        return response

    return send


def test_every_route_with_a_body_is_swept_and_every_view_reads_it_with_one_parser():
    views = _api_views()
    with_methods = {(name, m) for name, view in views.items() for m in WRITES if hasattr(view, m)}
    assert with_methods - READS_NO_BODY == {(route, method) for route, method, _ in BODY_ROUTES}
    assert {name: list(view.parser_classes) for name, view in views.items()} == {
        name: [BoundedJSONParser] for name in views
    }


@pytest.mark.parametrize(("route", "method", "who"), BODY_ROUTES)
def test_every_body_naming_a_member_twice_is_refused_naming_it(sender, route, method, who):
    response = sender(route, method, who, '{"note": "a", "note": "b"}', "application/json")
    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["code"] == "parse_error"
    assert "'note' appears more than once" in problem["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=bogus",
        'application/json; charset="utf-16"',
        "application/json;charset=us-ascii",
    ],
)
@pytest.mark.parametrize(("route", "method", "who"), BODY_ROUTES)
def test_every_body_in_a_charset_other_than_utf8_is_unsupported_naming_it(
    sender, route, method, who, content_type
):
    response = sender(route, method, who, '{"sku": "TEA-001", "quantity": 1}', content_type)
    assert response.status_code == 415
    problem = problem_of(response)
    assert problem["code"] == "unsupported_media_type"
    charset = content_type.rpartition("=")[2].strip('"')
    assert f"charset '{charset}' is not accepted" in problem["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8"],
)
def test_a_body_in_utf8_with_or_without_the_charset_is_read(as_owner, catalog, content_type):
    response = as_owner.generic("POST", "/api/carts/", b'{"currency": "EUR"}', content_type)
    assert response.status_code == 201, response.content


def test_the_last_of_two_skus_is_never_added(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    body = b'{"sku": "TEA-001", "sku": "MUG-001", "quantity": 1}'
    response = as_owner.generic(
        "POST", f"/api/carts/{cart_id}/items/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "'sku'" in problem_of(response)["detail"]
    assert event_count() == before


def _parse(body: bytes, content_type: str = "application/json") -> Any:
    return BoundedJSONParser().parse(io.BytesIO(body), content_type, {})


@pytest.mark.parametrize(
    ("body", "member"),
    [
        (b'{"a": 1, "a": 1}', "a"),
        (b'{"a": {"b": 1, "c": {"d": 1, "d": 2}}}', "d"),
        (b'[{"x": 1}, {"y": 1, "y": null}]', "y"),
        (b'{"a": [[{"\\u0062": 1, "b": 2}]]}', "b"),  # the same name however it is escaped
    ],
)
def test_a_member_named_twice_at_any_depth_is_a_parse_error(body, member):
    with pytest.raises(ParseError, match=f"member '{member}' appears more than once"):
        _parse(body)


def test_members_that_differ_only_in_case_are_distinct():
    assert _parse(b'{"a": 1, "A": 2, "b": {"a": 3}}') == {"a": 1, "A": 2, "b": {"a": 3}}


@pytest.mark.parametrize(
    "body",
    [b"NaN", b'{"a": Infinity}', b'{"a": -Infinity}', b"1" * 5000, b"\xff{}", b'{"a": 1,'],
)
def test_what_is_not_strict_json_stays_a_parse_error(body):
    with pytest.raises(ParseError, match="JSON parse error"):
        _parse(body)


def test_a_charset_parameter_that_cannot_be_read_is_unsupported():
    with pytest.raises(UnsupportedMediaType, match="cannot be read"):
        _parse(b"{}", "application/json; charset*=bogus''utf-8")
