"""Checkout over the API: the details (PUT checkout-details/ or in the checkout body), the order
number, the refusals, and the details read back in plain by the cart, its events and the feed."""

from __future__ import annotations

import re

import pytest

from carts.application import repository
from carts.application.order_numbers import PATTERN
from eventstore.models import Event
from eventstore.personal import is_sealed
from tests.carts.api.conftest import CHECKOUT, give_details, problem_of
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db

SHOWN_DETAILS = DETAILS_FIELDS | {"erased": False}


def _details_url(cart_id) -> str:  # type: ignore[no-untyped-def]
    return f"/api/carts/{cart_id}/checkout-details/"


def test_giving_details_answers_the_cart_with_them_and_records_one_event(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()

    response = as_owner.put(_details_url(cart_id), DETAILS_FIELDS, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["checkout_details"] == SHOWN_DETAILS
    assert body["order_number"] is None
    assert body["status"] == "open"
    assert response["ETag"] == '"3"'
    assert event_count() == before + 1
    event = Event.objects.get(stream_id=repository.stream_id(cart_id), version=3)
    assert event.event_type == "cart.CheckoutDetailsProvided"
    assert response["X-Event-Position"] == str(event.position)


def test_details_are_trimmed_and_normalised_as_the_shop_checks_them(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    sent = DETAILS_FIELDS | {"full_name": "  Ada   Lovelace ", "country": "gb"}

    body = as_owner.put(_details_url(cart_id), sent, format="json").json()

    assert body["checkout_details"]["full_name"] == "Ada Lovelace"
    assert body["checkout_details"]["country"] == "GB"


def test_the_same_details_again_record_nothing(as_owner, new_cart, event_count):
    cart_id = new_cart(("TEA-001", 1))
    give_details(as_owner, cart_id)
    before = event_count()

    again = give_details(as_owner, cart_id)

    assert again["ETag"] == '"3"'
    assert "X-Event-Position" not in again
    assert event_count() == before


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"email": "not-an-address"}, "email", "invalid_checkout_details"),
        ({"email": ""}, "email", "invalid_checkout_details"),
        ({"country": "XX"}, "country", "invalid_checkout_details"),
        ({"full_name": "   "}, "full_name", "invalid_checkout_details"),
        ({"city": "Lon\u200bdon"}, "city", "invalid_checkout_details"),
        ({"postal_code": "1" * 21}, "postal_code", "invalid_input"),
        ({"address_line1": 12}, "address_line1", "invalid_input"),
        ({"nickname": "Ada"}, "nickname", "invalid_input"),
    ],
)
def test_invalid_details_are_refused_naming_the_field_and_write_nothing(
    as_owner, new_cart, event_count, change, field, code
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()

    response = as_owner.put(_details_url(cart_id), DETAILS_FIELDS | change, format="json")

    body = problem_of(response)
    assert response.status_code == 400
    assert body["code"] == code
    assert list(body["errors"]) == [field]
    assert event_count() == before


def test_a_missing_required_field_is_refused_naming_it(as_owner, new_cart, event_count):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    sent = {name: value for name, value in DETAILS_FIELDS.items() if name != "city"}

    response = as_owner.put(_details_url(cart_id), sent, format="json")

    assert response.status_code == 400
    assert list(problem_of(response)["errors"]) == ["city"]
    assert event_count() == before


def test_details_honour_if_match_and_idempotency_key(as_owner, new_cart, event_count):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    stale = as_owner.put(_details_url(cart_id), DETAILS_FIELDS, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert event_count() == before

    first = give_details(as_owner, cart_id, HTTP_IF_MATCH='"2"', HTTP_IDEMPOTENCY_KEY="details-1")
    other = DETAILS_FIELDS | {"city": "Paris", "country": "FR", "postal_code": "75001"}
    changed = as_owner.put(_details_url(cart_id), other, format="json")
    replayed = give_details(as_owner, cart_id, HTTP_IDEMPOTENCY_KEY="details-1")

    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == first.json()
    assert changed.json()["checkout_details"]["city"] == "Paris"
    assert event_count() == before + 2


def test_someone_elses_cart_is_not_found_and_a_bought_one_a_conflict(
    as_owner, as_other, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    theirs = as_other.put(_details_url(cart_id), DETAILS_FIELDS, format="json")
    assert theirs.status_code == 404
    assert event_count() == before

    as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    before = event_count()
    closed = as_owner.put(_details_url(cart_id), DETAILS_FIELDS, format="json")
    assert closed.status_code == 409
    assert problem_of(closed)["code"] == "cart_not_open"
    assert event_count() == before


def test_a_checkout_without_details_is_refused_and_writes_nothing(as_owner, new_cart, event_count):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()

    response = as_owner.post(f"/api/carts/{cart_id}/checkout/", {}, format="json")

    assert response.status_code == 422
    assert problem_of(response)["code"] == "checkout_details_missing"
    assert event_count() == before


def test_a_checkout_after_the_details_answers_a_readable_order_number(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    give_details(as_owner, cart_id)

    bought = as_owner.post(f"/api/carts/{cart_id}/checkout/", {}, format="json")

    assert bought.status_code == 200
    number = bought.json()["order_number"]
    assert re.fullmatch(PATTERN, number)
    assert str(cart_id)[:8] != number
    read = as_owner.get(f"/api/carts/{cart_id}/").json()
    assert (read["order_number"], read["checkout_details"]) == (number, SHOWN_DETAILS)


def test_a_one_call_checkout_records_the_details_then_the_checkout(as_owner, new_cart, event_count):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()

    bought = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")

    assert bought.status_code == 200, bought.content
    assert bought.json()["checkout_details"] == SHOWN_DETAILS
    assert re.fullmatch(PATTERN, bought.json()["order_number"])
    types = Event.objects.filter(stream_id=repository.stream_id(cart_id), version__gt=2)
    assert list(types.order_by("version").values_list("event_type", flat=True)) == [
        "cart.CheckoutDetailsProvided",
        "cart.CartCheckedOut",
    ]
    assert event_count() == before + 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"checkout_details": DETAILS_FIELDS | {"email": "ada@"}}, "checkout_details.email"),
        ({"checkout_details": DETAILS_FIELDS | {"country": 44}}, "checkout_details.country"),
        ({"checkout_details": "ada@example.com"}, "checkout_details.non_field_errors"),
        ({"details": DETAILS_FIELDS}, "details"),
    ],
)
def test_a_one_call_checkout_with_invalid_details_names_the_field_and_writes_nothing(
    as_owner, new_cart, event_count, body, field
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()

    response = as_owner.post(f"/api/carts/{cart_id}/checkout/", body, format="json")

    assert response.status_code == 400
    assert list(problem_of(response)["errors"]) == [field]
    assert event_count() == before


def test_the_details_are_stored_sealed_and_read_in_plain_by_events_and_feed(
    as_owner, as_staff, new_cart
):
    cart_id = new_cart(("TEA-001", 1))
    give_details(as_owner, cart_id)
    stored = Event.objects.get(event_type="cart.CheckoutDetailsProvided")
    assert is_sealed(stored.payload["email"])
    assert is_sealed(stored.metadata["client_ip"])
    assert "Lovelace" not in str(stored.payload)

    events = as_owner.get(f"/api/carts/{cart_id}/events/").json()
    feed = as_staff.get("/api/events/", {"event_type": "cart.CheckoutDetailsProvided"}).json()

    [in_stream] = [e for e in events if e["event_type"] == "cart.CheckoutDetailsProvided"]
    [in_feed] = feed["events"]
    for shown in (in_stream, in_feed):
        assert {name: shown["data"][name] for name in DETAILS_FIELDS} == DETAILS_FIELDS
        assert shown["metadata"]["client_ip"] == "127.0.0.1"
    assert in_feed["data"] == in_stream["data"]
