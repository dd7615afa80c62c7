"""GET /api/events/?wait=: long polling that answers as soon as an event is committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection

from carts.application.commands import CreateCart
from carts.application.handler import Context, handle
from eventstore import waiting
from eventstore.metadata import Metadata
from eventstore.store import read_all
from tests.carts.api.conftest import problem_of, token_client


def _open_cart() -> str:
    meta = Metadata(actor="user:feed-wait", source="system")
    return str(handle(CreateCart(owner_id="user:feed-wait"), Context.system(meta)).cart.id)


class RecordingCondition(threading.Condition):
    """A condition that remembers how each wait ended: True when woken by a commit."""

    def __init__(self) -> None:
        super().__init__()
        self.woken: list[bool] = []

    def wait_for(self, predicate, timeout=None):  # type: ignore[no-untyped-def]
        result = super().wait_for(predicate, timeout)
        self.woken.append(bool(result))
        return result


@pytest.fixture
def committed_staff(committed_db) -> Iterator[User]:
    """A staff reader of the log, committed, for a test whose writer runs on another thread."""
    user = User.objects.create_user("walt", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_event"))
    yield user


def test_a_waiting_request_answers_with_the_event_another_thread_commits(
    committed_staff, settings, monkeypatch
):
    _open_cart()
    after = read_all(limit=10).checkpoint
    # Looking again only after a minute: what ends the wait here is the commit's wake.
    settings.API_FEED_POLL_SECONDS = 60
    looked = threading.Event()

    def read_and_tell(*args, **kwargs):  # type: ignore[no-untyped-def]
        page = read_all(*args, **kwargs)
        looked.set()
        return page

    monkeypatch.setattr(waiting, "read_all", read_and_tell)
    commits = RecordingCondition()
    monkeypatch.setattr(waiting, "_commits", commits)
    added: list[str] = []

    def append_once_it_waits() -> None:
        try:
            if looked.wait(timeout=30):
                added.append(_open_cart())
        finally:
            connection.close()

    writer = threading.Thread(target=append_once_it_waits)
    writer.start()
    response = token_client(committed_staff).get("/api/events/", {"after": after, "wait": "30"})
    writer.join(timeout=30)

    assert response.status_code == 200, response.content
    page = response.json()
    assert [e["stream_id"] for e in page["events"]] == [f"cart-{added[0]}"]
    assert page["checkpoint"] != after
    assert True in commits.woken, "the commit did not wake the waiting request"


def test_a_wait_that_runs_out_answers_an_empty_page_at_the_same_checkpoint(as_staff, event_count):
    _open_cart()
    after = read_all(limit=10).checkpoint
    response = as_staff.get("/api/events/", {"after": after, "wait": 1})
    assert response.status_code == 200
    assert response.json() == {"events": [], "checkpoint": after, "has_more": False}


def test_a_wait_returns_at_once_what_already_follows_the_checkpoint(as_staff, event_count):
    cart = _open_cart()
    page = as_staff.get("/api/events/", {"wait": 1}).json()
    assert [e["stream_id"] for e in page["events"]] == [f"cart-{cart}"]


@pytest.mark.parametrize("wait", ["-1", "31", "1.5", "+2", "soon", "", "99999999999999999999"])
def test_a_wait_outside_whole_seconds_up_to_the_maximum_is_refused_naming_it(
    as_staff, event_count, wait
):
    before = event_count()
    response = as_staff.get("/api/events/", {"wait": wait})
    assert response.status_code == 400
    body = problem_of(response)
    assert body["code"] == "invalid_query_parameter"
    assert list(body["errors"]) == ["wait"]
    assert event_count() == before
