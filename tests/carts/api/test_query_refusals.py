"""A query parameter the API cannot use is refused with 400 and a code naming its kind (the
feed's checkpoints and event types their own; a currency as opening a cart; any other
invalid_query_parameter, naming the parameter), never answered with an empty list, and a
parameter that takes one value is refused when repeated. Nothing is written."""

from __future__ import annotations

import django_filters
import pytest

from carts.api import urls
from carts.api.filters import UtcDateTimeFilter
from tests.carts.api.conftest import CHECKOUT, problem_of
from tests.carts.api.test_lists import project


@pytest.fixture
def a_cart(new_cart):
    return new_cart(("TEA-001", 1))


def refused(client, event_count, url, params):
    before = event_count()
    response = client.get(url, params)
    body = problem_of(response)
    assert response.status_code == 400, body
    assert event_count() == before
    return body


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"after": "0:99999"}, "checkpoint_not_reached"),
        ({"after": "123456:1"}, "invalid_checkpoint"),
        ({"after": "-5:0"}, "invalid_checkpoint"),
        ({"after": "not-a-checkpoint"}, "invalid_checkpoint"),
        ({"after": "0:42:1"}, "invalid_checkpoint"),
        ({"event_type": "cart.Bogus"}, "unknown_event_type"),
        ({"event_type": "cart.ItemAdded,nope"}, "unknown_event_type"),
    ],
)
def test_the_feed_refuses_checkpoints_and_event_types_with_their_own_codes(
    as_staff, a_cart, event_count, params, code
):
    body = refused(as_staff, event_count, "/api/events/", params)
    assert body["code"] == code
    assert set(body["errors"]) == set(params)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/events/", {"stream_type": "bogus"}),
        ("/api/events/", {"stream_id": "not-a-uuid"}),
        ("/api/events/", {"stream_id": "order-0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a11"}),
        ("/api/events/", {"after": ""}),
        ("/api/events/", {"actor": ""}),
        ("/api/events/", {"limit": "1.0"}),
        ("/api/events/", {"limit": "0"}),
        ("/api/events/", {"recorded_after": "yesterday"}),
        ("/api/carts/{cart}/", {"version": "1.0"}),
        ("/api/carts/{cart}/", {"version": "+1"}),
        ("/api/carts/{cart}/", {"as_of": "soon"}),
        ("/api/products/", {"page_size": "1e1"}),
        ("/api/read-models/cart-summaries/", {"page": "x"}),
        ("/api/read-models/cart-summaries/", {"ordering": "colour"}),
        ("/api/read-models/cart-summaries/", {"min_position": " 1"}),
    ],
)
def test_an_invalid_query_parameter_is_refused_naming_it(
    as_staff, a_cart, event_count, url, params
):
    body = refused(as_staff, event_count, url.format(cart=a_cart), params)
    assert body["code"] == "invalid_query_parameter"
    (name,) = params
    assert set(body["errors"]) == {name}
    assert name in body["detail"]


def test_an_unknown_stream_type_is_refused_naming_the_known_ones(as_staff, a_cart, event_count):
    body = refused(as_staff, event_count, "/api/events/", {"stream_type": "bogus"})
    assert "'bogus'" in body["detail"]
    assert "cart" in body["errors"]["stream_type"][0].split("known types:")[1]


@pytest.mark.parametrize(
    "url", ["/api/carts/", "/api/products/", "/api/read-models/cart-summaries/"]
)
@pytest.mark.parametrize("currency", ["usd", "EURO", "E1R", "€"])
def test_a_currency_filter_is_checked_as_opening_a_cart_checks_it(
    as_staff, a_cart, event_count, url, currency
):
    body = refused(as_staff, event_count, url, {"currency": currency})
    assert body["code"] == "invalid_currency"
    assert "ISO 4217" in body["errors"]["currency"][0]


def test_a_well_formed_currency_nobody_uses_lists_nothing(as_staff, a_cart):
    assert as_staff.get("/api/products/", {"currency": "XYZ"}).json()["results"] == []


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/carts/", "page_size=1&page_size=2"),
        ("/api/products/", "currency=EUR&currency=USD"),
        ("/api/events/", "limit=1&limit=500"),
        ("/api/events/", "after=0:0&after=0:0"),
        ("/api/carts/{cart}/", "version=1&version=2"),
        ("/api/read-models/cart-summaries/", "ordering=status&ordering=-total"),
    ],
)
def test_a_parameter_that_takes_one_value_is_refused_when_repeated(
    as_staff, a_cart, event_count, url, query
):
    before = event_count()
    response = as_staff.get(f"{url.format(cart=a_cart)}?{query}")
    body = problem_of(response)
    assert response.status_code == 400
    assert body["code"] == "repeated_query_parameter"
    assert f"'{query.rsplit('&', 1)[1].split('=')[0]}'" in body["detail"]
    assert event_count() == before


@pytest.mark.parametrize("url", ["/api/carts/", "/api/read-models/cart-summaries/"])
def test_status_may_repeat_to_take_several_statuses(as_staff, as_owner, new_cart, url):
    bought, kept = new_cart(("TEA-001", 1)), new_cart()
    as_owner.post(f"/api/carts/{bought}/checkout/", CHECKOUT, format="json")
    project()
    response = as_staff.get(f"{url}?status=open&status=checked_out")
    assert response.status_code == 200, response.content
    listed = {row.get("cart_id") or row.get("id") for row in response.json()["results"]}
    assert {str(bought), str(kept)} <= listed


# A lower bound beyond the upper one, by the filter's type: a value each side of the range.
INVERTED = {
    django_filters.DateFilter: ("9999-12-31", "0001-01-01"),
    UtcDateTimeFilter: ("2026-03-01T10:00:00+01:00", "2026-03-01T08:59:59Z"),
    django_filters.NumberFilter: ("10.00", "9.99"),
}


def _ranges() -> list[tuple[str, str, str, tuple[str, str]]]:
    """(path, lower, upper, (a value above, one below)) for every pair of bounds of every API
    list that filters."""
    return [
        (f"/api/{pattern.pattern}", low, high, INVERTED[type(filters.base_filters[low])])
        for pattern in urls.urlpatterns
        if (filters := getattr(getattr(pattern.callback, "cls", None), "filterset_class", None))
        for low, high in filters.bound_pairs()
    ]


def test_every_pair_of_bounds_is_found():
    assert {(low, high) for _, low, high, _ in _ranges()} == {
        ("recorded_after", "recorded_before"),
        ("updated_after", "updated_before"),
        ("total_min", "total_max"),
        ("day_from", "day_to"),
        ("price_min", "price_max"),
    }


@pytest.mark.parametrize(("url", "low", "high", "values"), _ranges())
def test_an_inverted_range_is_refused_naming_both_bounds(
    as_staff, a_cart, event_count, url, low, high, values
):
    above, below = values
    body = refused(as_staff, event_count, url, {low: above, high: below})
    assert body["code"] == "invalid_query_parameter"
    assert set(body["errors"]) == {low, high}
    assert low in body["detail"] and high in body["detail"]
    assert "inverted" in body["errors"][low][0]


@pytest.mark.parametrize(("url", "low", "high", "values"), _ranges())
def test_a_range_whose_bounds_are_equal_is_answered(as_staff, a_cart, url, low, high, values):
    response = as_staff.get(url, {low: values[0], high: values[0]})
    assert response.status_code == 200, response.content
