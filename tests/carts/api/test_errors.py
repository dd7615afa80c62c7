"""One error format for the whole API, and bad input never writes or crashes."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.carts.api.conftest import problem_of


def _post_raw(client, path, body, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def test_malformed_json_is_a_bad_request(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = _post_raw(as_owner, f"/api/carts/{cart_id}/items/", b'{"sku": "TEA-001",')
    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "parse_error"
    assert body["type"] == "urn:ledger-shop:problem:parse_error"
    assert body["title"] == "Bad Request"
    assert "JSON" in body["detail"]
    assert event_count() == before


def test_unknown_fields_are_refused_by_name(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/",
        {"sku": "TEA-001", "quantity": 1, "price": "0.01"},
        format="json",
    )
    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "invalid_input"
    assert body["errors"] == {"price": ["Unknown field. Accepted fields: quantity, sku."]}
    assert event_count() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sku": "TEA-001", "quantity": "2"}, "quantity"),
        ({"sku": "TEA-001", "quantity": 2.5}, "quantity"),
        ({"sku": "TEA-001", "quantity": True}, "quantity"),
        ({"sku": 1001, "quantity": 2}, "sku"),
        ({"sku": None, "quantity": 2}, "sku"),
        ({"quantity": 2}, "sku"),
    ],
)
def test_wrong_types_and_missing_fields_name_the_field(
    as_owner, new_cart, event_count, payload, field
):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.post(f"/api/carts/{cart_id}/items/", payload, format="json")
    assert response.status_code == 400
    assert field in problem_of(response)["errors"]
    assert event_count() == before


@pytest.mark.parametrize("written", ["2.0", "2e0", "0.2e1"])
def test_an_integer_written_with_a_zero_fraction_is_that_integer(as_owner, new_cart, written):
    # JSON Schema counts 2.0 as an integer, so a client built from the document may send it.
    cart_id = new_cart()
    body = f'{{"sku": "TEA-001", "quantity": {written}}}'
    response = as_owner.post(f"/api/carts/{cart_id}/items/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["lines"][0]["quantity"] == 2


@pytest.mark.parametrize("written", ["2.5", "1e-1", "1.000001"])
def test_a_number_with_a_fraction_is_no_quantity(as_owner, new_cart, event_count, written):
    cart_id = new_cart()
    before = event_count()
    body = f'{{"sku": "TEA-001", "quantity": {written}}}'
    response = as_owner.post(f"/api/carts/{cart_id}/items/", body, content_type="application/json")
    assert response.status_code == 400
    assert "quantity" in problem_of(response)["errors"]
    assert event_count() == before


def test_a_body_that_is_not_an_object_is_a_bad_request(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    for raw in (b"[1, 2]", b'"text"', b"null", b"NaN"):
        response = _post_raw(as_owner, f"/api/carts/{cart_id}/items/", raw)
        assert response.status_code == 400, raw
        problem_of(response)
    assert event_count() == before


@override_settings(API_MAX_BODY_BYTES=1024)
def test_an_oversized_body_is_refused_with_413(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    huge = json.dumps({"sku": "TEA-001", "quantity": 1, "note": "x" * 2048}).encode()
    response = _post_raw(as_owner, f"/api/carts/{cart_id}/items/", huge)
    assert response.status_code == 413
    assert problem_of(response)["code"] == "payload_too_large"
    assert event_count() == before


def test_a_body_that_is_not_json_is_unsupported(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = _post_raw(
        as_owner,
        f"/api/carts/{cart_id}/items/",
        b"sku=TEA-001",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert problem_of(response)["code"] == "unsupported_media_type"
    assert event_count() == before


def test_a_wrong_method_is_405_with_allow(as_owner, new_cart):
    cart_id = new_cart()
    response = as_owner.delete(f"/api/carts/{cart_id}/checkout/")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert problem_of(response)["code"] == "method_not_allowed"


def test_a_quantity_out_of_range_is_a_rule_not_a_type_error(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 10**12}, format="json"
    )
    assert response.status_code == 422
    assert problem_of(response)["code"] == "quantity_out_of_range"
    assert event_count() == before


def test_an_unexpected_failure_is_a_500_problem_without_internals(as_owner, monkeypatch, db):
    from carts.api.views import commands

    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(commands, "handle", broken)
    response = as_owner.post("/api/carts/", {}, format="json")
    assert response.status_code == 500
    body = problem_of(response)
    assert body["code"] == "server_error"
    assert "hunter2" not in response.content.decode()


def test_json_nested_too_deeply_is_a_bad_request(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    body = "[" * 5000 + "]" * 5000  # 10 KB, under the size limit
    for path in ("/api/carts/", f"/api/carts/{cart_id}/items/"):
        response = as_owner.post(path, body, content_type="application/json")
        assert response.status_code == 400
        assert problem_of(response)["code"] == "parse_error"
    assert event_count() == before


@pytest.mark.parametrize("failure", ["OperationalError", "InterfaceError"])
def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after(
    as_owner, new_cart, monkeypatch, event_count, failure
):
    from django import db

    from carts.api.views import commands

    cart_id = new_cart()
    before = event_count()

    def unreachable(*args, **kwargs):
        raise getattr(db, failure)("FATAL: sorry, too many clients already")

    monkeypatch.setattr(commands, "handle", unreachable)
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert problem_of(response)["code"] == "database_unavailable"
    # A connection lost after the commit leaves the command applied: the key is the safe retry.
    assert "send it again with the same key" in problem_of(response)["detail"]
    assert "too many clients" not in response.content.decode()
    assert event_count() == before


def test_a_cart_that_kept_changing_is_a_409_that_says_when_to_retry(
    as_owner, new_cart, monkeypatch, event_count
):
    from carts.application import handler, transactions
    from eventstore.errors import ConcurrencyError

    cart_id = new_cart()
    before = event_count()

    def always_beaten(*args, **kwargs):
        raise ConcurrencyError("cart-x", expected=2, actual=3)

    monkeypatch.setattr(handler, "_decide_and_append", always_beaten)
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0)
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert problem_of(response)["code"] == "concurrent_modification"
    assert event_count() == before
