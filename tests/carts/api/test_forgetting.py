"""POST /api/customers/<id>/forget/: who may, what it answers, what nothing is written for,
and that afterwards no API path shows the customer's details."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User

from carts.api.serializers import CartSerializer, cart_document
from carts.application import repository
from carts.application.catalog import line_offers
from eventstore.models import Event
from eventstore.personal import ERASED
from tests.carts.api.conftest import CHECKOUT, problem_of, token_client
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db

# Every value the details held that was personal (the country is not).
PERSONAL_VALUES = [value for name, value in DETAILS_FIELDS.items() if name != "country"]
REASON = {"reason": "erasure request #1234"}


@pytest.fixture
def as_root(db):  # type: ignore[no-untyped-def]
    return token_client(User.objects.create_superuser("root"))


@pytest.fixture
def as_privacy_officer(db):  # type: ignore[no-untyped-def]
    user = User.objects.create_user("priya", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="forget_person"))
    return token_client(user)


@pytest.fixture
def bought(as_owner, new_cart):  # type: ignore[no-untyped-def]
    """The owner's cart, checked out with the test details."""
    cart_id = new_cart(("TEA-001", 2))
    response = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    assert response.status_code == 200, response.content
    return cart_id


def _forget(client, customer: str, body=REASON, **headers):  # type: ignore[no-untyped-def]
    return client.post(f"/api/customers/{customer}/forget/", body, format="json", **headers)


def test_forgetting_answers_what_was_done_and_records_it(as_root, owner, bought, event_count):
    before = event_count()

    response = _forget(as_root, f"user:{owner.pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"] == f"user:{owner.pk}"
    assert f"user:{owner.pk}" in body["subjects"]
    assert body["carts"] == [str(bought)]
    assert body["keys_deleted"] >= 1
    recorded = Event.objects.get(event_type="customer.CustomerForgotten")
    assert body["position"] == recorded.position == int(response["X-Event-Position"])
    assert recorded.metadata["source"] == "api"
    assert event_count() == before + 1


def test_after_forgetting_no_api_path_shows_the_details(
    as_root, as_staff, owner, bought, event_count
):
    cart_url = f"/api/carts/{bought}/"
    tag_before = as_staff.get(cart_url)["ETag"]
    assert _forget(as_root, f"user:{owner.pk}").status_code == 200

    cart = as_staff.get(cart_url)
    events = as_staff.get(f"{cart_url}events/")
    # The cart's stream in the feed: the CustomerForgotten event holds the asker's address.
    feed = as_staff.get("/api/events/", {"stream_id": repository.stream_id(bought)})

    details = cart.json()["checkout_details"]
    assert details["erased"] is True
    assert details["email"] == details["full_name"] == details["postal_code"] == ERASED
    assert details["country"] == "GB"
    assert cart.json()["total"] == "9.00"  # amounts stay
    assert cart["ETag"] != tag_before  # the same version, another representation
    assert len(feed.json()["events"]) == len(events.json()) == 4
    for response in (cart, events, feed):
        assert response.status_code == 200
        text = response.content.decode()
        assert ERASED in text
        assert [value for value in PERSONAL_VALUES if value and value in text] == []
        assert "127.0.0.1" not in text  # the client's address was theirs too


def test_an_erased_cart_reads_exactly_as_the_serializer_has_it(as_root, owner, bought):
    _forget(as_root, f"user:{owner.pk}")
    cart = repository.load(bought)
    offers = line_offers(cart)
    document = cart_document(cart, offers)
    assert document == CartSerializer(cart, context={"catalog": offers}).data
    assert document["checkout_details"]["erased"] is True


def test_a_holder_of_the_permission_may_forget(as_privacy_officer, owner, bought):
    response = _forget(as_privacy_officer, f"user:{owner.pk}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("client_name", ["as_staff", "as_integration", "as_owner"])
def test_anyone_else_is_refused_and_nothing_is_written(
    request, client_name, owner, bought, event_count
):
    before = event_count()
    response = _forget(request.getfixturevalue(client_name), f"user:{owner.pk}")
    assert response.status_code == 403
    assert problem_of(response)["code"] == "permission_denied"
    assert event_count() == before
    assert (
        request.getfixturevalue("as_staff")
        .get(f"/api/carts/{bought}/")
        .json()["checkout_details"]["email"]
        == (DETAILS_FIELDS["email"])
    )


def test_without_credentials_it_is_not_authenticated(anonymous, owner, event_count):
    before = event_count()
    assert _forget(anonymous, f"user:{owner.pk}").status_code == 401
    assert event_count() == before


@pytest.mark.parametrize(
    ("customer", "body", "status", "code"),
    [
        ("user:99999", REASON, 404, "unknown_customer"),
        ("guest:" + "f" * 32, REASON, 404, "unknown_customer"),
        ("user:02", REASON, 400, "invalid_customer"),
        ("olive", REASON, 400, "invalid_customer"),
        ("OWNER", {}, 400, "invalid_input"),
        ("OWNER", {"reason": "   "}, 400, "invalid_input"),
        ("OWNER", {"reason": "x" * 501}, 400, "invalid_input"),
        ("OWNER", {"reason": 42}, 400, "invalid_input"),
        ("OWNER", {"reason": "why", "also": 1}, 400, "invalid_input"),
    ],
)
def test_a_bad_request_is_refused_and_nothing_is_written(
    as_root, owner, bought, event_count, customer, body, status, code
):
    customer = customer.replace("OWNER", f"user:{owner.pk}")
    before = event_count()
    response = _forget(as_root, customer, body)
    assert response.status_code == status
    assert problem_of(response)["code"] == code
    assert event_count() == before


def test_a_retry_with_the_same_idempotency_key_writes_nothing_more(
    as_root, owner, bought, event_count
):
    first = _forget(as_root, f"user:{owner.pk}", HTTP_IDEMPOTENCY_KEY="forget-1")
    before = event_count()
    again = _forget(as_root, f"user:{owner.pk}", HTTP_IDEMPOTENCY_KEY="forget-1")
    assert again.status_code == first.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert event_count() == before


def test_forgetting_a_guest_erases_the_details_of_their_one_call_checkout(
    as_root, as_staff, catalog, meta
):
    from carts.application.commands import AddItem, CheckOut, CreateCart
    from carts.application.handler import Context, handle
    from tests.checkout_details import DETAILS

    guest = "guest:" + "b2" * 16
    cart = handle(CreateCart(owner_id=guest), Context.system(meta)).cart
    handle(AddItem(cart_id=cart.id, sku="MUG-001", quantity=1), Context.system(meta))
    handle(CheckOut(cart_id=cart.id, details=DETAILS), Context.system(meta))

    assert _forget(as_root, guest).status_code == 200

    text = json.dumps(as_staff.get(f"/api/carts/{cart.id}/events/").json())
    assert ERASED in text
    assert [value for value in PERSONAL_VALUES if value and value in text] == []


def test_no_stored_answer_keeps_the_details_after_forgetting(as_root, as_owner, owner, new_cart):
    from carts.models import IdempotencyRecord

    cart_id = new_cart(("TEA-001", 1))
    url = f"/api/carts/{cart_id}/checkout/"
    as_owner.post(url, CHECKOUT, format="json", HTTP_IDEMPOTENCY_KEY="buy-1")
    stored = json.dumps(list(IdempotencyRecord.objects.values("response_body")))
    assert DETAILS_FIELDS["email"] in stored  # what a retry would be answered

    _forget(as_root, f"user:{owner.pk}")

    stored = json.dumps(list(IdempotencyRecord.objects.values("response_body")))
    assert [value for value in PERSONAL_VALUES if value and value in stored] == []
