"""Reading a cart now, as of a version or a moment, and its event stream."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from django.utils import timezone

from carts.api.serializers import CartSerializer
from carts.application import repository
from carts.application.catalog import line_offers
from carts.domain.cart import Cart
from eventstore import clock
from eventstore.store import read_stream
from tests.carts.api.conftest import CHECKOUT, problem_of


def _replayed(cart_id, version):
    """The cart rebuilt independently: its first ``version`` events applied to a blank cart."""
    events = read_stream(repository.stream_id(cart_id))[:version]
    replayed = Cart.replay(cart_id, (event.data for event in events))
    cart = CartSerializer(replayed, context={"catalog": line_offers(replayed)}).data
    return {**cart, "integrity": {"status": "intact", "problems": []}}


def test_a_cart_reads_as_its_events_make_it(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 2), ("MUG-001", 1))
    response = as_owner.get(f"/api/carts/{cart_id}/")
    assert response.status_code == 200
    assert response["ETag"] == '"3"'
    body = response.json()
    assert body["subtotal"] == "21.00"
    assert body == _replayed(cart_id, 3)


def test_every_version_reads_as_the_replay_of_that_many_events(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 2), ("MUG-001", 1))
    as_owner.put(f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 5}, format="json")
    as_owner.post(f"/api/carts/{cart_id}/discount/", {"code": "FIVEOFF"}, format="json")
    as_owner.delete(f"/api/carts/{cart_id}/items/MUG-001/")
    as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    for version in range(1, 9):  # the details are recorded just before the checkout
        response = as_owner.get(f"/api/carts/{cart_id}/", {"version": version})
        assert response.status_code == 200, version
        assert response.json() == _replayed(cart_id, version)
        assert response["ETag"] == f'"{version}"'


def test_a_version_beyond_the_last_answers_404(as_owner, new_cart):
    cart_id = new_cart()
    response = as_owner.get(f"/api/carts/{cart_id}/", {"version": 9})
    assert response.status_code == 404
    assert problem_of(response)["code"] == "version_not_found"


def test_as_of_a_moment_gives_the_cart_as_it_was_then(as_owner, new_cart):
    start = timezone.now() - timedelta(days=3)
    with clock.recording_at(start):
        cart_id = new_cart(("TEA-001", 1))
    with clock.recording_at(start + timedelta(days=1)):
        as_owner.post(
            f"/api/carts/{cart_id}/items/", {"sku": "MUG-001", "quantity": 1}, format="json"
        )
    moment = (start + timedelta(hours=12)).isoformat()
    then = as_owner.get(f"/api/carts/{cart_id}/", {"as_of": moment})
    assert then.status_code == 200
    assert then.json() == _replayed(cart_id, 2)
    assert [line["sku"] for line in then.json()["lines"]] == ["TEA-001"]
    before = as_owner.get(
        f"/api/carts/{cart_id}/", {"as_of": (start - timedelta(hours=1)).isoformat()}
    )
    assert before.status_code == 404


def test_version_and_as_of_together_give_whichever_is_earlier(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1))
    now = timezone.now().isoformat()
    by_version = as_owner.get(f"/api/carts/{cart_id}/", {"version": 2, "as_of": now})
    assert by_version.json() == _replayed(cart_id, 2)
    long_ago = (timezone.now() - timedelta(days=1)).isoformat()
    assert (
        as_owner.get(f"/api/carts/{cart_id}/", {"version": 2, "as_of": long_ago}).status_code == 404
    )


def test_bad_time_travel_parameters_name_the_field(as_owner, new_cart):
    cart_id = new_cart()
    for params, field in [
        ({"version": "x"}, "version"),
        ({"version": 0}, "version"),
        ({"as_of": "soon"}, "as_of"),
    ]:
        body = problem_of(as_owner.get(f"/api/carts/{cart_id}/", params))
        assert field in body["errors"], body


def test_the_event_stream_lists_every_event_with_metadata(as_owner, owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    response = as_owner.get(f"/api/carts/{cart_id}/events/")
    assert response.status_code == 200
    events = response.json()
    assert [e["event_type"] for e in events] == ["cart.CartCreated", "cart.ItemAdded"]
    assert [e["version"] for e in events] == [1, 2]
    assert events[1]["data"]["sku"] == "TEA-001"
    assert events[1]["metadata"]["actor"] == f"user:{owner.pk}"
    assert events[1]["metadata"]["command"] == "cart_add_item"


def test_an_unknown_cart_answers_404(as_staff):
    response = as_staff.get(f"/api/carts/{uuid4()}/events/")
    assert response.status_code == 404
    assert problem_of(response)["code"] == "cart_not_found"
