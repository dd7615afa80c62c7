"""Idempotency-Key: retries return the first answer and never write twice."""

from __future__ import annotations

from rest_framework.test import APIClient

from carts.models import IdempotencyRecord
from tests.carts.api.conftest import CHECKOUT, problem_of


def _add(client, cart_id, key, quantity=1, sku="TEA-001"):
    return client.post(
        f"/api/carts/{cart_id}/items/",
        {"sku": sku, "quantity": quantity},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_retry_returns_the_first_answer_and_writes_nothing(as_owner, new_cart, event_count):
    cart_id = new_cart()
    first = _add(as_owner, cart_id, "key-1")
    after_first = event_count()
    retry = _add(as_owner, cart_id, "key-1")
    assert retry.status_code == first.status_code == 200
    assert retry.json() == first.json()
    assert retry["ETag"] == first["ETag"]
    assert retry["X-Event-Position"] == first["X-Event-Position"]
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert event_count() == after_first


def test_a_retried_create_returns_the_same_cart(as_owner, event_count, db):
    first = as_owner.post("/api/carts/", {}, format="json", HTTP_IDEMPOTENCY_KEY="open-1")
    retry = as_owner.post("/api/carts/", {}, format="json", HTTP_IDEMPOTENCY_KEY="open-1")
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry["Location"] == first["Location"]
    assert event_count() == 1


def test_the_same_key_with_another_body_is_refused(as_owner, new_cart, event_count):
    cart_id = new_cart()
    _add(as_owner, cart_id, "key-2", quantity=1)
    before = event_count()
    response = _add(as_owner, cart_id, "key-2", quantity=2)
    assert response.status_code == 422
    body = problem_of(response)
    assert body["code"] == "idempotency_key_reused"
    assert "key-2" in body["detail"]
    assert event_count() == before


def test_the_same_key_on_another_path_is_refused(as_owner, new_cart, event_count):
    cart_id = new_cart(("MUG-001", 1))
    _add(as_owner, cart_id, "key-3")
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json", HTTP_IDEMPOTENCY_KEY="key-3"
    )
    assert response.status_code == 422
    assert event_count() == before


def test_a_refused_command_keeps_no_record_so_the_key_can_be_used_again(
    as_owner, new_cart, event_count
):
    cart_id = new_cart()
    refused = _add(as_owner, cart_id, "key-4", sku="OLD-001")
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.filter(key="key-4").exists()
    assert _add(as_owner, cart_id, "key-4", sku="OLD-001").status_code == 422
    assert event_count(f"cart-{cart_id}") == 1


def test_keys_belong_to_one_user(as_staff, as_owner, new_cart, staff, event_count):
    cart_id = new_cart()
    _add(as_owner, cart_id, "shared-key")
    before = event_count()
    response = _add(as_staff, cart_id, "shared-key", quantity=1)
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert event_count() == before + 1


def test_an_empty_or_overlong_key_is_a_bad_request(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    for key in ("x" * 256, " padded "):
        response = _add(as_owner, cart_id, key)
        assert response.status_code == 400
        assert problem_of(response)["code"] == "invalid_idempotency_key"
    assert event_count() == before


def test_the_key_is_stored_with_user_method_path_and_body_hash(as_owner, owner, new_cart):
    cart_id = new_cart()
    _add(as_owner, cart_id, "key-5")
    record = IdempotencyRecord.objects.get(key="key-5")
    assert record.user == owner
    assert (record.method, record.path) == ("POST", f"/api/carts/{cart_id}/items/")
    assert len(record.request_hash) == 64
    assert record.status_code == 200


def test_the_same_user_signed_in_by_session_shares_the_keys(as_owner, owner, new_cart, event_count):
    cart_id = new_cart()
    first = _add(as_owner, cart_id, "key-6")
    before = event_count()
    browser = APIClient()
    browser.force_login(owner)
    retry = _add(browser, cart_id, "key-6")
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert event_count() == before
