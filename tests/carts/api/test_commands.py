"""Each cart command over HTTP: what it answers and what it writes."""

from __future__ import annotations

from uuid import uuid4

import pytest
import redis
from django.core.cache import cache

from carts.application import repository
from config.settings import redis_cache
from eventstore.models import Event
from eventstore.store import read_stream
from tests.carts.api.conftest import CHECKOUT, give_details, problem_of
from tests.faults.processes import free_port


def test_create_cart_answers_201_with_location_etag_and_position(
    as_owner, owner, event_count, catalog
):
    response = as_owner.post("/api/carts/", {"currency": "EUR"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open"
    assert body["owner_id"] == f"user:{owner.pk}"
    assert body["currency"] == "EUR"
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"/api/carts/{body['id']}/"
    event = Event.objects.get(stream_id=f"cart-{body['id']}")
    assert response["X-Event-Position"] == str(event.position)
    assert event.metadata["source"] == "api"
    assert event.metadata["actor"] == f"user:{owner.pk}"
    assert event_count() == 1


def test_create_cart_with_a_chosen_id_twice_is_a_conflict(as_integration, event_count):
    cart_id = str(uuid4())
    created = as_integration.post("/api/carts/", {"cart_id": cart_id}, format="json")
    assert created.status_code == 201
    again = as_integration.post("/api/carts/", {"cart_id": cart_id}, format="json")
    assert again.status_code == 409
    assert problem_of(again)["code"] == "cart_already_exists"
    assert event_count() == 1


def test_a_shopper_may_not_choose_a_cart_id_so_ids_cannot_be_probed(
    as_owner, as_other, new_cart, event_count
):
    # "That id is taken" would tell whether someone else's cart exists: only those who may
    # read every cart choose ids.
    theirs = new_cart()
    before = event_count()
    for cart_id in (str(theirs), str(uuid4())):
        refused = as_other.post("/api/carts/", {"cart_id": cart_id}, format="json")
        assert refused.status_code == 403
        assert "cart_id" in problem_of(refused)["detail"]
    assert event_count() == before


@pytest.mark.parametrize(
    "owner_id", ["garbage", "user:99999", "guest:demo-0", "user:", "user:1x", "user:\u00b2"]
)
def test_a_cart_opened_for_someone_else_must_name_an_existing_shopper(
    as_integration, owner_id, event_count
):
    refused = as_integration.post("/api/carts/", {"owner_id": owner_id}, format="json")
    assert refused.status_code == 422
    assert problem_of(refused)["code"] == "unknown_owner"
    assert event_count() == 0


@pytest.mark.parametrize("spelling", ["user:0{pk}", "user:00{pk}", "user:+{pk}", "user:{pk}.0"])
def test_an_owner_id_spelt_otherwise_than_user_pk_is_refused_not_stored_orphaned(
    as_integration, owner, spelling, event_count
):
    refused = as_integration.post(
        "/api/carts/", {"owner_id": spelling.format(pk=owner.pk)}, format="json"
    )
    assert refused.status_code == 422
    assert problem_of(refused)["code"] == "unknown_owner"
    assert event_count() == 0


def test_an_integration_opens_a_cart_for_an_existing_shopper(as_integration, owner, event_count):
    created = as_integration.post("/api/carts/", {"owner_id": f"user:{owner.pk}"}, format="json")
    assert created.status_code == 201
    assert created.json()["owner_id"] == f"user:{owner.pk}"
    assert event_count() == 1


def test_shopper_cannot_open_a_cart_for_someone_else(as_owner, event_count):
    response = as_owner.post("/api/carts/", {"owner_id": "user:999"}, format="json")
    assert response.status_code == 403
    assert event_count() == 0


def test_integration_opens_a_cart_for_a_customer(as_integration, owner):
    response = as_integration.post("/api/carts/", {"owner_id": f"user:{owner.pk}"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner_id"] == f"user:{owner.pk}"


def test_add_item_answers_the_cart_with_its_new_version(as_owner, new_cart):
    cart_id = new_cart()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 2}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["lines"] == [
        {
            "sku": "TEA-001",
            "name": "Green tea",
            "unit_price": "4.50",
            "quantity": 2,
            "total": "9.00",
            "prices": [{"unit_price": "4.50", "quantity": 2, "total": "9.00"}],
            "catalog_price": "4.50",
            "price_changed": False,
            "available": True,
        }
    ]
    assert body["total"] == "9.00"
    assert response["ETag"] == '"2"'
    last = Event.objects.filter(stream_id=f"cart-{cart_id}").order_by("-version").first()
    assert last is not None
    assert response["X-Event-Position"] == str(last.position)


def test_add_item_breaking_a_rule_answers_422_with_the_rules_code(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "OLD-001", "quantity": 1}, format="json"
    )
    assert response.status_code == 422
    assert problem_of(response)["code"] == "product_inactive"
    assert event_count() == before


def test_change_quantity_sets_the_line(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    response = as_owner.put(f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 5}, format="json")
    assert response.status_code == 200
    assert response.json()["lines"][0]["quantity"] == 5
    assert repository.load(cart_id).lines["TEA-001"].quantity == 5


def test_change_quantity_to_the_same_value_writes_nothing_and_sends_no_position(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 2))
    before = event_count()
    response = as_owner.put(f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 2}, format="json")
    assert response.status_code == 200
    assert "X-Event-Position" not in response
    assert event_count() == before


def test_remove_item_takes_the_line_out(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1))
    response = as_owner.delete(f"/api/carts/{cart_id}/items/TEA-001/")
    assert response.status_code == 200
    assert [line["sku"] for line in response.json()["lines"]] == ["MUG-001"]


def test_removing_a_line_that_is_not_there_is_refused(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.delete(f"/api/carts/{cart_id}/items/TEA-001/")
    assert response.status_code == 422
    assert problem_of(response)["code"] == "line_not_in_cart"
    assert event_count() == before


def test_apply_and_remove_a_discount(as_owner, new_cart):
    cart_id = new_cart(("MUG-001", 1))
    applied = as_owner.post(f"/api/carts/{cart_id}/discount/", {"code": "WELCOME10"}, format="json")
    assert applied.status_code == 200
    assert applied.json()["discount"]["code"] == "WELCOME10"
    assert applied.json()["total"] == "10.80"
    removed = as_owner.delete(f"/api/carts/{cart_id}/discount/")
    assert removed.status_code == 200
    assert removed.json()["discount"] is None
    assert removed.json()["total"] == "12.00"


def test_an_unknown_discount_code_is_refused(as_owner, new_cart, event_count):
    cart_id = new_cart(("MUG-001", 1))
    before = event_count()
    response = as_owner.post(f"/api/carts/{cart_id}/discount/", {"code": "NOPE"}, format="json")
    assert response.status_code == 422
    assert problem_of(response)["code"] == "unknown_discount_code"
    assert event_count() == before


def test_check_out_closes_the_cart(as_owner, new_cart):
    cart_id = new_cart(("MUG-001", 2))
    give_details(as_owner, cart_id)
    response = as_owner.post(f"/api/carts/{cart_id}/checkout/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "checked_out"


def test_changing_a_checked_out_cart_is_a_conflict(as_owner, new_cart, event_count):
    cart_id = new_cart(("MUG-001", 2))
    as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert response.status_code == 409
    assert problem_of(response)["code"] == "cart_not_open"
    assert event_count() == before


def test_staff_abandon_a_cart_with_a_reason(as_staff, new_cart):
    cart_id = new_cart(("MUG-001", 1))
    response = as_staff.post(
        f"/api/carts/{cart_id}/abandon/", {"reason": "customer asked"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "abandoned"
    assert read_stream(f"cart-{cart_id}")[-1].payload == {"reason": "customer asked"}
    # Typed by staff about a customer: stored encrypted, as personal data is.
    stored = Event.objects.filter(stream_id=f"cart-{cart_id}").order_by("-version").first()
    assert stored is not None and stored.payload["reason"].startswith("enc:v1:")


def test_commands_on_a_cart_that_does_not_exist_answer_404(as_staff, event_count, catalog):
    response = as_staff.post(
        f"/api/carts/{uuid4()}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert response.status_code == 404
    assert problem_of(response)["code"] == "cart_not_found"
    assert event_count() == 0


def test_commands_are_throttled_per_user(as_owner, new_cart, monkeypatch, event_count):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "2/minute"})
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201
    before = event_count()
    third = as_owner.post("/api/carts/", {}, format="json")
    assert third.status_code == 429
    assert problem_of(third)["code"] == "throttled"
    assert "Retry-After" in third
    assert event_count() == before


def test_with_a_redis_cache_throttle_counts_are_shared_by_every_process(
    as_owner, new_cart, monkeypatch, event_count, redis_url, settings
):
    from rest_framework.throttling import ScopedRateThrottle

    settings.CACHES = {"default": redis_cache(redis_url)}  # as CACHE_URL sets it
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "1/minute"})
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201

    # Another web process would find the count in Redis, not in its own memory.
    counted = redis.Redis.from_url(redis_url).keys("*throttle_cart_commands_*")
    before = event_count()
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 429
    assert counted
    assert event_count() == before
    cache.clear()


def test_commands_go_on_when_the_throttles_redis_is_away(
    as_owner, new_cart, monkeypatch, event_count, settings, caplog
):
    from rest_framework.throttling import ScopedRateThrottle

    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{free_port()}/0")}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "1/minute"})
    before = event_count()

    # Nothing counts while Redis is away, so the limit cannot refuse either.
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201
    assert event_count() == before + 2
    assert "Exception ignored" in caplog.text  # django-redis says what it let pass


@pytest.mark.parametrize("reason", ["customer\nasked", "\u202ederetsa", "\x1b[2Jgone", "x" * 201])
def test_an_abandon_reason_that_is_no_plain_text_line_is_refused_and_writes_nothing(
    as_staff, new_cart, event_count, reason
):
    cart_id = new_cart()
    before = event_count()
    response = as_staff.post(f"/api/carts/{cart_id}/abandon/", {"reason": reason}, format="json")
    answer = (response.status_code, problem_of(response)["code"])
    assert answer in {(422, "invalid_reason"), (400, "invalid_input")}
    assert event_count() == before
