"""Conditional requests (RFC 9110 section 13): If-Match on commands compares strongly and refuses
a stale or weak tag without writing; If-None-Match on a GET answers 304; malformed headers 400."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.api.errors import ApiProblem
from carts.api.preconditions import Condition, EntityTag, parse_condition
from carts.models import Product
from tests.carts.api.conftest import problem_of


def add_mug(client, cart_id, if_match):
    return client.post(
        f"/api/carts/{cart_id}/items/",
        {"sku": "MUG-001", "quantity": 1},
        format="json",
        HTTP_IF_MATCH=if_match,
    )


def test_if_match_with_the_current_version_runs_the_command(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    etag = as_owner.get(f"/api/carts/{cart_id}/")["ETag"]
    assert etag == '"2"'
    response = as_owner.put(
        f"/api/carts/{cart_id}/items/TEA-001/", {"quantity": 3}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response["ETag"] == '"3"'


@pytest.mark.parametrize(
    "listed",
    ['"1", "2"', '"2", "5"', '"2","3"', ' "9" ,, "2" ', 'W/"2", "2"', '"abc", "2"', '"1",\t"2"'],
)
def test_if_match_with_a_list_that_holds_the_current_tag_runs_the_command(
    as_owner, new_cart, listed
):
    cart_id = new_cart(("TEA-001", 1))
    response = add_mug(as_owner, cart_id, listed)
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"3"'


@pytest.mark.parametrize(
    "stale",
    ['"1"', 'W/"2"', '"0"', '"02"', '"4", "5"', 'W/"2", W/"1"', '"abc"', '""', '"x"'],
)
def test_if_match_without_the_current_strong_tag_answers_412_and_writes_nothing(
    as_owner, new_cart, event_count, stale
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    response = add_mug(as_owner, cart_id, stale)
    assert response.status_code == 412
    assert problem_of(response)["code"] == "stale_version"
    assert event_count() == before


def test_if_match_star_matches_an_existing_cart(as_owner, new_cart):
    cart_id = new_cart()
    assert add_mug(as_owner, cart_id, "*").status_code == 200


def test_if_match_on_a_cart_that_does_not_exist_answers_404_not_412(as_owner, catalog):
    # RFC 9110 13.2.1: a precondition is ignored when the answer without it is not a 2xx.
    response = add_mug(as_owner, "0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a99", '"1"')
    assert response.status_code == 404


@pytest.mark.parametrize(
    "malformed",
    [
        "1",
        '"1',
        '1"',
        "W/1",
        'w/"1"',
        'W/ "1"',
        '"1" "2"',
        '"1";"2"',
        ",",
        " ",
        '"a b"',
        "**",
        '"2 "',
    ],
)
def test_a_malformed_if_match_is_a_bad_request_that_writes_nothing(
    as_owner, new_cart, event_count, malformed
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    response = add_mug(as_owner, cart_id, malformed)
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_if_match"
    assert event_count() == before


@pytest.mark.parametrize(
    "matching", ['"2"', 'W/"2"', '"1", "2"', 'W/"7", W/"2"', "*", ' "2" ', '"a,b", "2"']
)
def test_a_get_whose_if_none_match_matches_answers_304_with_the_etag_and_no_body(
    as_owner, new_cart, matching
):
    cart_id = new_cart(("TEA-001", 1))
    response = as_owner.get(f"/api/carts/{cart_id}/", HTTP_IF_NONE_MATCH=matching)
    assert response.status_code == 304
    assert response["ETag"] == '"2"'
    assert response.content == b""


@pytest.mark.parametrize("other", ['"1"', 'W/"1"', '"1", "3"', '"02"'])
def test_a_get_whose_if_none_match_does_not_match_answers_the_cart(as_owner, new_cart, other):
    cart_id = new_cart(("TEA-001", 1))
    response = as_owner.get(f"/api/carts/{cart_id}/", HTTP_IF_NONE_MATCH=other)
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_time_travel_answers_304_for_the_version_it_would_show(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1))
    url = f"/api/carts/{cart_id}/?version=2"
    assert as_owner.get(url)["ETag"] == '"2"'
    assert as_owner.get(url, HTTP_IF_NONE_MATCH='"2"').status_code == 304
    assert as_owner.get(url, HTTP_IF_NONE_MATCH='"3"').status_code == 200


def test_if_none_match_never_reveals_a_cart_the_person_may_not_read(as_other, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    assert as_other.get(f"/api/carts/{cart_id}/", HTTP_IF_NONE_MATCH="*").status_code == 404


@pytest.mark.parametrize("malformed", ["2", '"2', "W/2", '"2" "3"'])
def test_a_malformed_if_none_match_is_a_bad_request(as_owner, new_cart, malformed):
    cart_id = new_cart()
    response = as_owner.get(f"/api/carts/{cart_id}/", HTTP_IF_NONE_MATCH=malformed)
    assert response.status_code == 400
    assert problem_of(response)["code"] == "invalid_if_none_match"


def test_a_get_with_an_if_match_that_does_not_match_strongly_answers_412(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    url = f"/api/carts/{cart_id}/"
    assert as_owner.get(url, HTTP_IF_MATCH='W/"2"').status_code == 412
    assert as_owner.get(url, HTTP_IF_MATCH='"2"').status_code == 200


def test_the_entity_tag_parser_reads_the_list_syntax_of_rfc_9110():
    assert parse_condition('W/"a", "b,c" ,, "\x80"', header="If-Match") == Condition(
        any=False,
        tags=(EntityTag("a", weak=True), EntityTag("b,c"), EntityTag("\x80")),
    )
    assert parse_condition(" * ", header="If-None-Match") == Condition(any=True)
    with pytest.raises(ApiProblem):
        parse_condition('"a", *', header="If-Match")


def test_strong_comparison_never_matches_a_weak_tag_and_weak_comparison_does():
    weak = Condition(any=False, tags=(EntityTag("2", weak=True),))
    assert not weak.matches_strongly(EntityTag("2"))
    assert weak.matches_weakly(EntityTag("2"))
    assert not Condition(any=False, tags=(EntityTag("2"),)).matches_strongly(
        EntityTag("2", weak=True)
    )


def test_a_price_change_in_the_catalog_changes_the_etag_so_no_304_hides_it(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    url = f"/api/carts/{cart_id}/"
    cached = as_owner.get(url)["ETag"]
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))

    fresh = as_owner.get(url, HTTP_IF_NONE_MATCH=cached)

    assert cached == '"2"'
    assert fresh.status_code == 200
    assert fresh["ETag"].startswith('"2-') and fresh["ETag"] != cached
    assert fresh.json()["lines"][0]["price_changed"] is True
    assert as_owner.get(url, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304
    Product.objects.filter(sku="TEA-001").update(active=False)
    assert as_owner.get(url, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 200


def test_if_match_with_the_etag_a_price_change_gave_runs_the_command(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))
    tag = as_owner.get(f"/api/carts/{cart_id}/")["ETag"]
    before = event_count()

    stale = add_mug(as_owner, cart_id, tag.replace('"2-', '"1-'))
    current = add_mug(as_owner, cart_id, tag)

    assert stale.status_code == 412
    assert current.status_code == 200
    assert event_count() == before + 1


@pytest.mark.parametrize("forged", ["000000000000", "ffffffffffff"])
def test_if_match_with_a_digest_the_cart_never_had_answers_412(
    as_owner, new_cart, event_count, forged
):
    cart_id = new_cart(("TEA-001", 1))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("6.00"))
    before = event_count()

    for tag in (f'"2-{forged}"', f'"2-{forged}", W/"2"'):
        assert add_mug(as_owner, cart_id, tag).status_code == 412
    assert event_count() == before
