"""The database connection killed in the middle of a command: a clear 503, a whole batch of
events or none of it, and a retry with the same Idempotency-Key gives one result.

Requests go through gunicorn (one worker, one thread, DEBUG on as under ``make run``, where
Django would show a stack trace), so the retry is served by the very process whose connection
was killed. The connection is terminated with ``pg_terminate_backend`` while the command waits
for a lock on the event table, or while it commits a batch it has fully inserted
(tests/faults/connections.py). The last test kills it in-process just after an append
committed, where the command was applied although its answer was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carts.application import repository
from eventstore.models import Event
from tests.checkout_details import DETAILS_FIELDS
from tests.faults.connections import ConnectionKiller, Victim
from tests.faults.processes import Processes

pytestmark = [pytest.mark.postgres, pytest.mark.faults]

MOMENTS = ["while_waiting_for_a_lock", "while_committing"]
CHECKOUT = {"checkout_details": DETAILS_FIELDS}
SHOP_PAGE = "Ledger Shop is back in a moment"


@pytest.fixture
def web(processes: Processes, shelf: Any) -> str:
    return processes.gunicorn(workers=1, threads=1, env={"DEBUG": "1"}).url


@pytest.fixture
def token(committed_db) -> str:
    """A shopper's API token."""
    return Token.objects.create(user=User.objects.create_user("kim")).key


def fault(killer: ConnectionKiller, moment: str) -> AbstractContextManager[Victim]:
    at: Callable[[], AbstractContextManager[Victim]] = getattr(killer, moment)
    return at()


def events_of(cart_id: UUID | str) -> list[tuple[int, str]]:
    rows = Event.objects.filter(stream_id=f"cart-{cart_id}").order_by("version")
    return list(rows.values_list("version", "event_type"))


def _api(web: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{web}/api", headers={"Authorization": f"Token {token}"}, timeout=30
    )


def _cart_with_tea(api: httpx.Client) -> str:
    cart_id = str(api.post("/carts/", json={"currency": "EUR"}).json()["id"])
    added = api.post(f"/carts/{cart_id}/items/", json={"sku": "TEA-001", "quantity": 2})
    assert added.status_code == 200, added.text
    return cart_id


def _assert_database_unavailable(answer: httpx.Response, victim: Victim) -> None:
    assert victim.found.is_set(), "no request reached the fault"
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Retry-After"] == "5"
    problem = answer.json()
    assert problem["code"] == "database_unavailable"
    assert "send it again with the same key" in problem["detail"]
    assert "terminating connection" not in answer.text


def test_a_checkout_killed_mid_command_answers_503_with_none_of_its_batch_and_its_keyed_retry_checks_out_once(  # noqa: E501
    web, token, killer
):
    for moment in MOMENTS:
        with _api(web, token) as api:
            cart_id = _cart_with_tea(api)
            before = events_of(cart_id)
            key = {"Idempotency-Key": f"checkout-{cart_id}"}
            with fault(killer, moment) as victim:
                lost = api.post(f"/carts/{cart_id}/checkout/", json=CHECKOUT, headers=key)
            _assert_database_unavailable(lost, victim)
            assert events_of(cart_id) == before, moment  # neither the details nor the checkout

            retried = api.post(f"/carts/{cart_id}/checkout/", json=CHECKOUT, headers=key)
            again = api.post(f"/carts/{cart_id}/checkout/", json=CHECKOUT, headers=key)

        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] == "checked_out"
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == retried.json()
        assert events_of(cart_id) == [
            *before,
            (3, "cart.CheckoutDetailsProvided"),
            (4, "cart.CartCheckedOut"),
        ], moment


def test_a_command_without_a_key_killed_before_its_commit_wrote_nothing_and_is_applied_once_when_sent_again(  # noqa: E501
    web, token, killer
):
    for moment in MOMENTS:
        with _api(web, token) as api:
            cart_id = _cart_with_tea(api)
            before = events_of(cart_id)
            with fault(killer, moment) as victim:
                lost = api.post(f"/carts/{cart_id}/checkout/", json=CHECKOUT)
            _assert_database_unavailable(lost, victim)
            assert events_of(cart_id) == before, moment
            cart = api.get(f"/carts/{cart_id}/").json()  # what the detail asks: read the cart
            assert cart["status"] == "open"

            retried = api.post(f"/carts/{cart_id}/checkout/", json=CHECKOUT)

        assert retried.status_code == 200, retried.text
        assert [t for _, t in events_of(cart_id)].count("cart.CartCheckedOut") == 1


def test_a_shop_form_post_killed_mid_command_gets_the_shops_page_and_its_retry_adds_once(
    web, killer
):
    for moment in MOMENTS:
        with httpx.Client(base_url=web, timeout=30) as browser:
            browser.get("/")  # a guest session and the CSRF cookie, as a browser has them
            form = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "sku": "TEA-001"}
            form["quantity"] = "2"
            before = Event.objects.count()
            with fault(killer, moment) as victim:
                lost = browser.post("/cart/add/", data=form)

            assert victim.found.is_set(), "no request reached the fault"
            assert lost.status_code == 503, moment
            assert lost.headers["Retry-After"] == "5"
            assert SHOP_PAGE in lost.text and "may not have been saved" in lost.text
            assert "Traceback" not in lost.text and "OperationalError" not in lost.text
            assert Event.objects.count() == before, moment  # the new cart and its item, or none

            retried = browser.post("/cart/add/", data=form)
            cart_page = browser.get("/cart/")

        assert retried.status_code == 303
        written = list(
            Event.objects.order_by("position").values_list("event_type", "payload")[before:]
        )
        assert [event_type for event_type, _ in written] == ["cart.CartCreated", "cart.ItemAdded"]
        assert written[1][1]["quantity"] == 2
        assert cart_page.status_code == 200 and "Green tea" in cart_page.text


def test_a_command_whose_connection_is_lost_after_its_commit_is_applied_once_and_its_503_says_so(
    shelf, token, killer, monkeypatch
):
    # In-process, with a hook around the append: the one moment a command without a key was
    # applied although its client hears 503. Hence the detail names the key as the safe retry.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    cart_id = client.post("/api/carts/", {"currency": "EUR"}, format="json").json()["id"]
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    append = repository.append

    def append_then_lose_the_connection(*args: Any, **kwargs: Any) -> Any:
        written = append(*args, **kwargs)  # committed: no transaction is open without a key
        killer.terminate(backend)
        return written

    monkeypatch.setattr(repository, "append", append_then_lose_the_connection)
    lost = client.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    connection.close()  # as a server does after a request whose connection failed

    assert lost.status_code == 503
    assert "may have been applied" in lost.json()["detail"]
    assert events_of(cart_id) == [(1, "cart.CartCreated"), (2, "cart.ItemAdded")]
