"""Read models through the API: filters, ordering, search, and waiting for a position."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from eventstore import clock
from projections import runner
from projections.registry import names
from tests.carts.api.conftest import CHECKOUT, problem_of


def project() -> None:
    """Catch every projection up with the log, as the worker would after a commit."""
    for name in names():
        runner.catch_up(name, retry_now=True)


@pytest.fixture
def shop(as_owner, as_other, new_cart):
    """Three carts: the owner's open EUR cart, their checked-out one, another shopper's."""
    open_cart = new_cart(("TEA-001", 1))
    bought = new_cart(("MUG-001", 2))
    as_owner.post(f"/api/carts/{bought}/checkout/", CHECKOUT, format="json")
    theirs = as_other.post("/api/carts/", {}, format="json").json()["id"]
    as_other.post(f"/api/carts/{theirs}/items/", {"sku": "USD-001", "quantity": 1}, format="json")
    project()
    return {"open": str(open_cart), "bought": str(bought), "theirs": theirs}


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["cart_id"] for row in response.json()["results"]]


def test_cart_summaries_list_every_cart_with_totals(as_staff, shop):
    response = as_staff.get("/api/read-models/cart-summaries/")
    body = response.json()
    assert body["count"] == 3
    rows = {row["cart_id"]: row for row in body["results"]}
    assert rows[shop["bought"]]["status"] == "checked_out"
    assert rows[shop["bought"]]["total"] == "24.00"
    assert rows[shop["theirs"]]["currency"] == "USD"
    assert body["projection"]["name"] == "cart_summaries"
    assert body["projection"]["lag_events"] == 0
    assert body["projection"]["includes_min_position"] is None


def test_cart_summaries_filter_by_status_owner_currency_and_total(as_staff, owner, shop):
    url = "/api/read-models/cart-summaries/"
    assert _ids(as_staff.get(url, {"status": "checked_out"})) == [shop["bought"]]
    assert set(_ids(as_staff.get(url, {"status": ["open", "checked_out"]}))) == set(shop.values())
    assert set(_ids(as_staff.get(url, {"owner_id": f"user:{owner.pk}"}))) == {
        shop["open"],
        shop["bought"],
    }
    assert _ids(as_staff.get(url, {"currency": "USD"})) == [shop["theirs"]]
    assert _ids(as_staff.get(url, {"total_min": "10", "total_max": "30"})) == [shop["bought"]]


def test_cart_summaries_search_by_the_start_of_the_id(as_staff, shop):
    prefix = shop["open"][:8]
    assert shop["open"] in _ids(
        as_staff.get("/api/read-models/cart-summaries/", {"search": prefix})
    )
    assert _ids(as_staff.get("/api/read-models/cart-summaries/", {"search": shop["open"]})) == [
        shop["open"]
    ]


def test_cart_summaries_sort_and_filter_by_last_activity(as_staff, as_owner, new_cart):
    long_ago = timezone.now() - timedelta(days=5)
    with clock.recording_at(long_ago):
        old = str(new_cart(("TEA-001", 3)))
    recent = str(new_cart(("TEA-001", 1)))
    project()
    url = "/api/read-models/cart-summaries/"
    assert _ids(as_staff.get(url)) == [recent, old]
    assert _ids(as_staff.get(url, {"ordering": "last_activity_at"})) == [old, recent]
    assert _ids(as_staff.get(url, {"ordering": "-total"})) == [old, recent]
    cutoff = (long_ago + timedelta(days=1)).isoformat()
    assert _ids(as_staff.get(url, {"updated_after": cutoff})) == [recent]
    assert _ids(as_staff.get(url, {"updated_before": cutoff})) == [old]


def test_product_activity_and_daily_funnel(as_staff, shop):
    activity = as_staff.get("/api/read-models/product-activity/", {"sku": "MUG-001"}).json()
    assert [(row["sku"], row["units_purchased"]) for row in activity["results"]] == [("MUG-001", 2)]
    funnel = as_staff.get("/api/read-models/daily-funnel/").json()
    today = funnel["results"][0]
    assert (today["carts_created"], today["checked_out"]) == (3, 1)
    assert funnel["projection"]["name"] == "daily_funnel"


def test_projection_status_lists_every_projection(as_staff, shop):
    statuses = as_staff.get("/api/read-models/projections/").json()
    assert sorted(s["name"] for s in statuses) == sorted(names())
    assert all(s["state"] == "live" and s["lag_events"] == 0 for s in statuses)


@override_settings(API_MIN_POSITION_WAIT_SECONDS=0.05)
def test_min_position_says_whether_the_answer_includes_a_write(as_staff, as_owner, shop):
    added = as_owner.post(
        f"/api/carts/{shop['open']}/items/", {"sku": "MUG-001", "quantity": 1}, format="json"
    )
    position = added["X-Event-Position"]
    url = "/api/read-models/cart-summaries/"
    behind = as_staff.get(url, {"min_position": position}).json()["projection"]
    assert behind["includes_min_position"] is False
    assert behind["lag_events"] == 1
    project()
    caught_up = as_staff.get(url, {"min_position": position, "search": shop["open"]}).json()
    assert caught_up["projection"]["includes_min_position"] is True
    assert caught_up["results"][0]["line_count"] == 2


@pytest.mark.parametrize("who", ["as_owner", "anonymous"])
def test_read_models_are_not_for_shoppers(request, who, db):
    client = request.getfixturevalue(who)
    for path in ("cart-summaries", "product-activity", "daily-funnel", "projections"):
        response = client.get(f"/api/read-models/{path}/")
        assert response.status_code in (401, 403)
        problem_of(response)


def test_integration_tokens_read_the_read_models(as_integration, shop):
    assert as_integration.get("/api/read-models/cart-summaries/").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"total_min": "lots"}, "total_min"),
        ({"ordering": "password"}, "ordering"),
        ({"min_position": "0"}, "min_position"),
        ({"currency": ""}, "currency"),
    ],
)
def test_bad_read_model_parameters_name_the_parameter(as_staff, db, params, field):
    body = problem_of(as_staff.get("/api/read-models/cart-summaries/", params))
    assert body["status"] == 400
    assert field in body["errors"]
