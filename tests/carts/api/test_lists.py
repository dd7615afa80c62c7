"""GET /api/products/ and GET /api/carts/: the catalog and the carts a person may read, filtered
and cursor-paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from projections import runner
from projections.registry import names
from tests.carts.api.conftest import CHECKOUT, problem_of


def project() -> None:
    for name in names():
        runner.catch_up(name, retry_now=True)


def walk(client, url, **params):
    """Every row of a cursor-paged list, following the next links."""
    rows, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])


def skus(response):
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()["results"]]


def test_the_catalog_lists_every_product_with_price_and_availability(as_integration, catalog):
    rows = as_integration.get("/api/products/").json()["results"]
    assert [row["sku"] for row in rows] == ["MUG-001", "OLD-001", "TEA-001", "USD-001"]
    tea = next(row for row in rows if row["sku"] == "TEA-001")
    assert tea == {
        "sku": "TEA-001",
        "name": "Green tea",
        "description": "",
        "price": "4.50",
        "currency": "EUR",
        "available": True,
    }
    assert next(row for row in rows if row["sku"] == "OLD-001")["available"] is False


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sku": "TEA-001,MUG-001"}, ["MUG-001", "TEA-001"]),
        ({"currency": "USD"}, ["USD-001"]),
        ({"available": "false"}, ["OLD-001"]),
        ({"available": "true", "price_min": "4.50", "price_max": "12"}, ["MUG-001", "TEA-001"]),
        ({"search": "tea"}, ["TEA-001"]),
        ({"search": "kettle"}, ["OLD-001"]),
    ],
)
def test_the_catalog_filters_by_sku_currency_availability_price_and_text(
    as_owner, catalog, params, expected
):
    assert skus(as_owner.get("/api/products/", params)) == expected


def test_paging_through_the_catalog_shows_every_product_once(as_owner, catalog):
    rows = walk(as_owner, "/api/products/", page_size=1)
    assert [row["sku"] for row in rows] == sorted(catalog)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"price_min": "cheap"}, "price_min"),
        ({"available": "perhaps"}, "available"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
    ],
)
def test_bad_list_parameters_name_the_parameter(as_owner, catalog, params, field):
    body = problem_of(as_owner.get("/api/products/", params))
    assert body["status"] == 400
    assert field in body["errors"]


def test_a_cursor_the_list_never_handed_out_names_no_page(as_owner, catalog):
    body = problem_of(as_owner.get("/api/products/", {"cursor": "not-a-cursor"}))
    assert body["status"] == 404
    assert body["code"] == "invalid_cursor"


def test_lists_need_credentials(anonymous, catalog):
    assert anonymous.get("/api/products/").status_code == 401
    assert anonymous.get("/api/carts/").status_code == 401


@pytest.fixture
def two_shoppers(as_owner, as_other, new_cart):
    mine = [str(new_cart(("TEA-001", 1))), str(new_cart()), str(new_cart(("MUG-001", 2)))]
    as_owner.post(f"/api/carts/{mine[0]}/checkout/", CHECKOUT, format="json")
    theirs = as_other.post("/api/carts/", {}, format="json").json()["id"]
    project()
    return mine, theirs


def test_a_shopper_lists_only_their_own_carts_newest_first(as_owner, as_other, two_shoppers):
    mine, theirs = two_shoppers
    assert [row["cart_id"] for row in walk(as_owner, "/api/carts/")] == mine[::-1]
    assert [row["cart_id"] for row in walk(as_other, "/api/carts/")] == [theirs]


@pytest.mark.parametrize("who", ["as_staff", "as_integration"])
def test_roles_that_may_read_every_cart_list_every_cart(request, who, two_shoppers):
    mine, theirs = two_shoppers
    rows = walk(request.getfixturevalue(who), "/api/carts/", page_size=1)
    assert sorted(row["cart_id"] for row in rows) == sorted([*mine, theirs])


def test_a_shoppers_carts_filter_by_status_currency_and_last_activity(as_owner, two_shoppers):
    mine, _ = two_shoppers
    ids = [r["cart_id"] for r in walk(as_owner, "/api/carts/", status="checked_out")]
    assert ids == [mine[0]]
    with_items = sorted([mine[0], mine[2]])
    assert sorted(r["cart_id"] for r in walk(as_owner, "/api/carts/", currency="EUR")) == with_items
    assert walk(as_owner, "/api/carts/", currency="USD") == []
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert walk(as_owner, "/api/carts/", updated_since=later) == []


def test_paging_through_carts_shows_each_once_while_carts_are_opened(as_staff, new_cart):
    opened = [str(new_cart()) for _ in range(5)]
    project()
    first = as_staff.get("/api/carts/", {"page_size": 2}).json()
    opened.append(str(new_cart()))  # newest: before the first page, so never shown by these
    project()
    rows, response = first["results"], as_staff.get(first["next"])
    while True:
        rows += response.json()["results"]
        if not response.json()["next"]:
            break
        response = as_staff.get(response.json()["next"])
    assert sorted(row["cart_id"] for row in rows) == sorted(opened[:5])


def test_listing_carts_is_not_throttled_as_a_command(as_owner, two_shoppers, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "1/minute"})
    cache.clear()  # the fixture's own commands counted
    for _ in range(3):
        assert as_owner.get("/api/carts/").status_code == 200
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 201
    assert as_owner.post("/api/carts/", {}, format="json").status_code == 429


@pytest.mark.parametrize("who", ["as_owner", "as_other", "as_staff", "as_integration"])
def test_a_cart_is_listed_to_exactly_those_who_may_read_it(request, who, new_cart):
    cart_id = str(new_cart(("TEA-001", 1)))
    project()
    client = request.getfixturevalue(who)
    may_read = client.get(f"/api/carts/{cart_id}/").status_code == 200
    listed = cart_id in {row["cart_id"] for row in walk(client, "/api/carts/")}
    assert listed == may_read
