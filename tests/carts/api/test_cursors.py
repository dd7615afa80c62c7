"""Cursors of the cursor-paged lists (the catalog, the carts one may read) are tamper-evident:
any cursor a list never handed out answers 404 invalid_cursor, never a page and never a 5xx."""

from __future__ import annotations

from base64 import b64encode
from urllib.parse import unquote

import pytest

from tests.carts.api.conftest import problem_of
from tests.carts.api.test_lists import project

LISTS = ["/api/products/", "/api/carts/"]


def b64(text: str) -> str:
    return b64encode(text.encode()).decode()


# What DRF's plain cursors decode to, made up; then things that are no cursor at all.
FABRICATED = [
    *(
        b64(tokens)
        for tokens in (
            "p=zzz",
            "p=",
            "p=TEA-001",
            "p=TEA-001&o=1",
            "p=2026-13-45",
            "r=1&p=9999-12-31 23:59:59+00:00",
            "o=99999999999999999999",
            "o=1",
            "r=1",
        )
    ),
    "cD16eno=",
    "not-a-cursor",
    "x" * 5000,
    "WzAsZmFsc2UsbnVsbF0:forged-signature",
    "%",
]


@pytest.fixture
def a_few_carts(new_cart):
    for _ in range(3):
        new_cart(("TEA-001", 1))
    project()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("cursor", FABRICATED)
def test_a_cursor_the_list_never_handed_out_answers_404_invalid_cursor(
    as_staff, a_few_carts, event_count, url, cursor
):
    before = event_count()
    response = as_staff.get(url, {"cursor": cursor})
    body = problem_of(response)
    assert response.status_code == 404, body
    assert body["code"] == "invalid_cursor"
    assert event_count() == before


@pytest.mark.parametrize(("url", "other"), [LISTS, LISTS[::-1]])
def test_a_cursor_of_one_list_is_refused_by_the_other(as_staff, a_few_carts, url, other):
    next_link = as_staff.get(url, {"page_size": 1}).json()["next"]
    cursor = next_link.split("cursor=")[1].split("&")[0]
    body = problem_of(as_staff.get(other, {"cursor": unquote(cursor)}))
    assert (body["status"], body["code"]) == (404, "invalid_cursor")


@pytest.mark.parametrize("url", LISTS)
def test_an_empty_cursor_is_refused_as_every_empty_parameter_is(as_staff, a_few_carts, url):
    body = problem_of(as_staff.get(url, {"cursor": ""}))
    assert body["status"] == 400
    assert "cursor" in body["errors"]


@pytest.mark.parametrize("url", LISTS)
def test_every_cursor_a_list_hands_out_is_accepted_both_ways(as_staff, a_few_carts, url):
    first = as_staff.get(url, {"page_size": 1}).json()
    second = as_staff.get(first["next"]).json()
    assert second["previous"]
    back = as_staff.get(second["previous"])
    assert back.status_code == 200
    assert back.json()["results"] == first["results"]
