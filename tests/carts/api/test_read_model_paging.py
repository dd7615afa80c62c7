"""Walking the pages of a read model in any ordering shows every row exactly once, even when
many rows share the sorted value: every ordering ends with the row's unique key."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.api.filters import TotalOrderingFilter
from carts.api.views.read_models import ReadModelView
from carts.models import Product
from projections import runner
from projections.registry import names
from tests.carts.api.test_query_parameters import ROUTES, view_class

SHARED_SKUS = [f"TIE-{n:03d}" for n in range(9)]

# Every read-model list that can be sorted, with each of its orderings, in both directions.
ORDERINGS = [
    (route, view_class(pattern).filterset_class, unique, f"{sign}{field}")
    for _, route, pattern, method in ROUTES
    if method == "get" and issubclass(view_class(pattern), ReadModelView)
    for ordering in [view_class(pattern).filterset_class.base_filters.get("ordering")]
    if isinstance(ordering, TotalOrderingFilter)
    for unique in [ordering.unique]
    for field in ordering.param_map
    for sign in ("", "-")
]


@pytest.fixture
def many_alike(as_owner, new_cart):
    """Fourteen carts of one unit at one price, and nine products each added once."""
    Product.objects.bulk_create(
        Product(sku=sku, name=sku, price=Decimal("1.00"), currency="EUR") for sku in SHARED_SKUS
    )
    carts = [new_cart(("TEA-001", 1)) for _ in range(5)]
    carts += [new_cart((sku, 1)) for sku in SHARED_SKUS]
    for name in names():
        runner.catch_up(name, retry_now=True)
    return carts


def test_every_sortable_read_model_is_swept():
    routes = {route for route, _, _, _ in ORDERINGS}
    assert routes == {"/api/read-models/cart-summaries/", "/api/read-models/product-activity/"}
    assert ("/api/read-models/cart-summaries/", "status") in {(r, o) for r, _, _, o in ORDERINGS}


@pytest.mark.parametrize(("route", "filterset_class", "unique", "ordering"), ORDERINGS)
def test_walking_every_page_shows_every_row_once(
    as_staff, many_alike, route, filterset_class, unique, ordering
):
    everything = as_staff.get(route, {"page_size": 200}).json()["results"]
    assert len(everything) >= 10
    seen, page = [], 1
    while page:
        response = as_staff.get(route, {"ordering": ordering, "page_size": 3, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row[unique] for row in body["results"]]
        page = page + 1 if body["next"] else 0
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == {row[unique] for row in everything}


@pytest.mark.parametrize(("route", "filterset_class", "unique", "ordering"), ORDERINGS)
def test_every_ordering_ends_with_the_unique_key_in_its_direction(
    db, route, filterset_class, unique, ordering
):
    model = filterset_class.Meta.model
    filters = filterset_class({"ordering": ordering}, queryset=model.objects.all())
    direction = "-" if ordering.startswith("-") else ""
    assert list(filters.qs.query.order_by) == [ordering, direction + unique]


def test_the_unique_key_follows_the_direction_of_the_last_of_several_keys(db):
    filterset_class = next(f for r, f, _, _ in ORDERINGS if "cart-summaries" in r)
    queryset = filterset_class.Meta.model.objects.all()
    filters = filterset_class({"ordering": "status,-total"}, queryset=queryset)
    assert list(filters.qs.query.order_by) == ["status", "-total", "-cart_id"]
