"""GET /api/carts/{id}/?as_of=: a step's moment, at any precision, selects that step; a cart
asked for before it existed is told apart from an unknown one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
import yaml
from django.test import Client

from tests.carts.api.conftest import problem_of
from tests.carts.close_steps import record_close_steps

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_id(owner, catalog):
    return record_close_steps(f"user:{owner.pk}")


def recorded_text(as_owner, cart_id) -> list[str]:
    """Each event's recorded_at, as the API writes it."""
    return [event["recorded_at"] for event in as_owner.get(f"/api/carts/{cart_id}/events/").json()]


def recorded(as_owner, cart_id) -> list[datetime]:
    return [datetime.fromisoformat(text) for text in recorded_text(as_owner, cart_id)]


def version_at(as_owner, cart_id, as_of: str) -> int:
    response = as_owner.get(f"/api/carts/{cart_id}/", {"as_of": as_of})
    assert response.status_code == 200, response.content
    return int(response.json()["version"])


def test_each_event_s_recorded_at_as_written_gives_the_cart_right_after_it(as_owner, cart_id):
    moments = recorded_text(as_owner, cart_id)
    # Step 4 lies on a whole second: its six zeros are written, so it still names one microsecond.
    assert moments[3].endswith(".000000Z")
    assert [version_at(as_owner, cart_id, m) for m in moments] == [1, 2, 3, 4, 5]


def test_a_moment_to_the_millisecond_gives_the_last_event_within_it(as_owner, cart_id):
    moments = recorded(as_owner, cart_id)
    to_ms = [m.isoformat(timespec="milliseconds") for m in moments]
    assert [version_at(as_owner, cart_id, m) for m in to_ms] == [2, 2, 3, 4, 5]


def test_a_moment_to_the_second_or_minute_gives_the_last_event_within_it(as_owner, cart_id):
    first, *_, last = recorded(as_owner, cart_id)
    assert version_at(as_owner, cart_id, f"{first:%Y-%m-%dT%H:%M:%S}Z") == 3
    assert version_at(as_owner, cart_id, f"{last:%Y-%m-%dT%H:%M:%S}+00:00") == 5
    assert version_at(as_owner, cart_id, f"{first:%Y-%m-%dT%H:%M}") == 5


def test_a_moment_before_the_cart_existed_answers_not_yet_created_with_its_creation_time(
    as_owner, cart_id, event_count
):
    before = event_count()
    created = recorded(as_owner, cart_id)[0]
    earlier = (created - timedelta(milliseconds=1)).isoformat(timespec="milliseconds")
    response = as_owner.get(f"/api/carts/{cart_id}/", {"as_of": earlier})
    assert response.status_code == 404
    body = problem_of(response)
    assert body["code"] == "not_yet_created"
    assert datetime.fromisoformat(body["created_at"]) == created
    assert "ask for a moment from then on" in body["detail"]
    assert event_count() == before


def test_with_version_and_an_earlier_moment_the_moment_before_creation_is_told(as_owner, cart_id):
    created = recorded(as_owner, cart_id)[0]
    long_ago = (created - timedelta(days=1)).isoformat()
    response = as_owner.get(f"/api/carts/{cart_id}/", {"version": 2, "as_of": long_ago})
    assert problem_of(response)["code"] == "not_yet_created"


def test_an_unknown_or_unreadable_cart_at_any_moment_stays_not_found(as_other, cart_id):
    long_ago = "2001-01-01T00:00:00Z"
    for unseen in (uuid4(), cart_id):
        for params in ({}, {"as_of": long_ago}, {"as_of": "2999-01-01"}):
            response = as_other.get(f"/api/carts/{unseen}/", params)
            assert response.status_code == 404
            body = problem_of(response)
            assert body["code"] == "cart_not_found"
            assert "created_at" not in body
            assert body["detail"] == f"no cart {unseen}"


@pytest.mark.parametrize("as_of", ["yesterday", "2026-02-30T10:00", "2026-03-01T10"])
def test_a_malformed_moment_is_refused_naming_the_shape_to_send(as_owner, cart_id, as_of):
    response = as_owner.get(f"/api/carts/{cart_id}/", {"as_of": as_of})
    assert response.status_code == 400
    body = problem_of(response)
    assert "YYYY-MM-DDTHH:MM" in " ".join(body["errors"]["as_of"])


def test_the_openapi_document_tells_not_yet_created_from_not_found(db):
    document = yaml.safe_load(Client().get("/api/schema/").content)
    detail = document["paths"]["/api/carts/{cart_id}/"]["get"]
    assert "`not_yet_created`" in detail["description"]
    assert "`cart_not_found`" in detail["description"]
    assert "created_at" in document["components"]["schemas"]["Problem"]["properties"]
