"""A database that fails mid-request answers 503 with the shop's own page, never a stack trace.

Every query fails while ``database_down`` is in force (Django's execute wrapper raises what the
driver raises when the server is gone), so each page meets the fault where it first reads or
writes. Real connections killed under gunicorn are in tests/faults/test_database_lost.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from carts.web.shopper import CART_KEY
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db

BRANDED = "Ledger Shop is back in a moment"


@contextmanager
def database_down(failure: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query raises ``failure`` ("server closed the connection unexpectedly")."""

    def refuse(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        raise failure("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def shop(catalog) -> Client:
    """A guest whose cart holds 2 x TEA-001; exceptions come back as the answer a browser gets."""
    client = Client(raise_request_exception=False)
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    return client


def _cart_id(client: Client) -> str:
    return str(client.session[CART_KEY])


FORM_POSTS: dict[str, Callable[[str], tuple[str, dict[str, str]]]] = {
    "add to cart": lambda cart: ("/cart/add/", {"sku": "MUG-001", "quantity": "1"}),
    "change a quantity": lambda cart: (f"/cart/{cart}/lines/TEA-001/quantity/", {"quantity": "3"}),
    "remove a line": lambda cart: (f"/cart/{cart}/lines/TEA-001/remove/", {}),
    "apply a discount": lambda cart: (f"/cart/{cart}/discount/", {"code": "WELCOME10"}),
    "place the order": lambda cart: (f"/checkout/{cart}/", {"version": "2", **DETAILS_FIELDS}),
}


@pytest.mark.parametrize("form", FORM_POSTS)
@pytest.mark.parametrize("failure", [OperationalError, InterfaceError])
def test_every_shop_form_post_meeting_a_lost_database_answers_the_branded_503_page(
    shop, form, failure, event_count
):
    path, fields = FORM_POSTS[form](_cart_id(shop))
    before = event_count()
    with database_down(failure):
        response = shop.post(path, fields)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert BRANDED in page and "may not have been saved" in page
    assert "Traceback" not in page and "server closed" not in page
    assert event_count() == before


def test_even_under_debug_a_lost_database_is_the_branded_page_not_a_stack_trace(
    shop, settings, event_count
):
    settings.DEBUG = True
    before = event_count()
    with database_down():
        response = shop.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"})

    assert response.status_code == 503
    assert BRANDED in response.content.decode()
    assert event_count() == before


def test_an_htmx_post_is_told_to_reload_the_page_which_shows_what_was_kept(shop):
    with database_down():
        response = shop.post(
            "/cart/add/", {"sku": "MUG-001", "quantity": "1"}, headers={"HX-Request": "true"}
        )

    assert response.status_code == 503
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize("page", ["/", "/cart/", "/carts/", "/checkout/"])
def test_a_page_whose_database_is_away_before_its_view_runs_answers_503_too(shop, page):
    # The session is read by a middleware before the view (a guest's identity), so this fault
    # reaches Django's handler500 rather than the view's middleware.
    with database_down():
        response = shop.get(page)

    assert response.status_code == 503
    assert BRANDED in response.content.decode()


def test_any_other_failure_is_the_shops_500_page_without_internals(shop, monkeypatch):
    from carts.web.views import cart

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cart, "render", broken)
    response = shop.get("/cart/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page
