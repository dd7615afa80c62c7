"""The global event feed: pages, filters, and resumption with nothing skipped or repeated."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from eventstore import clock
from eventstore.store import read_all
from tests.carts.api.conftest import CHECKOUT, give_details, problem_of


@pytest.fixture
def busy_store(as_owner, as_other, new_cart):
    """Three carts of two shoppers, with nine events between them."""
    first = new_cart(("TEA-001", 1), ("MUG-001", 1))
    second = new_cart(("TEA-001", 3))
    as_owner.post(f"/api/carts/{second}/checkout/", CHECKOUT, format="json")
    theirs = as_other.post("/api/carts/", {}, format="json").json()["id"]
    as_other.post(f"/api/carts/{theirs}/items/", {"sku": "MUG-001", "quantity": 2}, format="json")
    return first, second, theirs


def _follow(client, **params):
    """Read the feed page by page from the start, as an integration would; return every event."""
    seen, checkpoint = [], "0:0"
    for _ in range(100):
        response = client.get("/api/events/", {**params, "after": checkpoint})
        assert response.status_code == 200, response.content
        page = response.json()
        seen.extend(page["events"])
        checkpoint = page["checkpoint"]
        if not page["has_more"]:
            return seen, checkpoint
    raise AssertionError("the feed never ended")


def test_paging_through_the_feed_gives_every_event_once_in_store_order(as_staff, busy_store):
    seen, _ = _follow(as_staff, limit=2)
    expected = read_all(limit=1000).events
    assert [e["event_id"] for e in seen] == [str(e.event_id) for e in expected]
    assert len(seen) == 9


def test_resuming_from_a_kept_checkpoint_gives_only_newer_events(as_staff, as_owner, busy_store):
    first = busy_store[0]
    give_details(as_owner, first)
    _, checkpoint = _follow(as_staff, limit=3)
    as_owner.post(f"/api/carts/{first}/checkout/", {}, format="json")
    page = as_staff.get("/api/events/", {"after": checkpoint}).json()
    assert [e["event_type"] for e in page["events"]] == ["cart.CartCheckedOut"]
    assert page["has_more"] is False
    again = as_staff.get("/api/events/", {"after": page["checkpoint"]}).json()
    assert again["events"] == []
    assert again["checkpoint"] == page["checkpoint"]


def test_filtered_pages_resume_past_hidden_events(as_staff, busy_store):
    seen, _ = _follow(as_staff, limit=1, event_type="cart.ItemAdded")
    assert [e["event_type"] for e in seen] == ["cart.ItemAdded"] * 4
    assert len({e["event_id"] for e in seen}) == 4


def test_filters_by_stream_stream_type_actor_and_several_types(
    as_staff, owner, other_shopper, busy_store
):
    first, _, theirs = busy_store
    by_stream, _ = _follow(as_staff, stream_id=f"cart-{first}")
    assert {e["stream_id"] for e in by_stream} == {f"cart-{first}"}
    assert len(by_stream) == 3
    by_actor, _ = _follow(as_staff, actor=f"user:{other_shopper.pk}")
    assert {e["stream_id"] for e in by_actor} == {f"cart-{theirs}"}
    two_types, _ = _follow(as_staff, event_type="cart.CartCreated,cart.CartCheckedOut")
    assert (
        sorted(e["event_type"] for e in two_types)
        == ["cart.CartCheckedOut"] + ["cart.CartCreated"] * 3
    )
    assert _follow(as_staff, stream_type="cart")[0] == _follow(as_staff)[0]
    assert _follow(as_staff, stream_id=f"cart-{uuid4()}")[0] == []


def test_filters_by_time_range(as_staff, as_owner, new_cart):
    long_ago = timezone.now() - timedelta(days=10)
    with clock.recording_at(long_ago):
        old = new_cart()
    new_cart()
    recent, _ = _follow(as_staff, recorded_after=(long_ago + timedelta(days=1)).isoformat())
    assert f"cart-{old}" not in {e["stream_id"] for e in recent}
    assert len(recent) == 1
    older, _ = _follow(as_staff, recorded_before=(long_ago + timedelta(days=1)).isoformat())
    assert [e["stream_id"] for e in older] == [f"cart-{old}"]


def test_a_page_links_to_the_next_one(as_staff, busy_store):
    response = as_staff.get("/api/events/", {"limit": 2, "event_type": "cart.ItemAdded"})
    checkpoint = response.json()["checkpoint"]
    assert response["Link"].endswith('>; rel="next"')
    assert f"after={checkpoint.replace(':', '%3A')}" in response["Link"]
    assert "event_type=cart.ItemAdded" in response["Link"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "not-a-checkpoint"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"recorded_after": "yesterday"}, "recorded_after"),
        ({"recorded_before": "0001-01-01T00:00:00+15:00"}, "recorded_before"),
        ({"actor": ""}, "actor"),
    ],
)
def test_bad_feed_parameters_are_a_bad_request_naming_the_parameter(as_staff, params, field):
    body = problem_of(as_staff.get("/api/events/", params))
    assert body["status"] == 400
    assert field in body["errors"]


@pytest.mark.parametrize("after", ["0:99999", "123456:1", "-5:0"])
def test_a_checkpoint_the_feed_never_handed_out_is_refused(as_staff, busy_store, after):
    # A consumer storing it would skip every event written up to it, silently.
    response = as_staff.get("/api/events/", {"after": after})
    assert response.status_code == 400
    problem = problem_of(response)
    assert "after" in problem["errors"]
    assert "names no event of this feed" in problem["errors"]["after"][0]


def test_every_checkpoint_the_feed_hands_out_is_accepted_back(as_staff, busy_store):
    page = as_staff.get("/api/events/", {"limit": 2}).json()
    while page["has_more"]:
        response = as_staff.get("/api/events/", {"after": page["checkpoint"], "limit": 2})
        assert response.status_code == 200
        page = response.json()
    assert as_staff.get("/api/events/", {"after": page["checkpoint"]}).status_code == 200
