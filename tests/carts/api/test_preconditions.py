"""If-Match: a command decided on an old version of the cart is refused and writes nothing."""

from __future__ import annotations

import pytest

from tests.carts.api.conftest import problem_of


def test_if_match_with_the_current_version_runs_the_command(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    etag = as_owner.get(f"/api/carts/{cart_id}/")["ETag"]
    assert etag == '"2"'
    response = as_owner.put(
        f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 3}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response["ETag"] == '"3"'


@pytest.mark.parametrize("stale", ['"1"', "1", 'W/"1"', '"0"'])
def test_if_match_with_a_stale_version_answers_412_and_writes_nothing(
    as_owner, new_cart, event_count, stale
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/",
        {"sku": "MUG-001", "quantity": 1},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    assert problem_of(response)["code"] == "stale_version"
    assert event_count() == before


def test_if_match_star_means_any_version(as_owner, new_cart):
    cart_id = new_cart()
    response = as_owner.post(
        f"/api/carts/{cart_id}/items/",
        {"sku": "MUG-001", "quantity": 1},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200


def test_an_if_match_that_is_not_a_version_is_a_bad_request(as_owner, new_cart, event_count):
    cart_id = new_cart()
    before = event_count()
    response = as_owner.post(
        f"/api/carts/{cart_id}/checkout/", {}, format="json", HTTP_IF_MATCH='"abc"'
    )
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_if_match"
    assert event_count() == before
