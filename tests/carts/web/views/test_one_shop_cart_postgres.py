"""Racing first clicks on "Add to cart", as separate processes on PostgreSQL: one cart between them.

Each process looks for the shopper's open cart, then waits until all have looked, so every one
of them goes on to open a cart, as racing requests do when none has committed yet.
"""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from carts.application import repository, selectors
from carts.models import Product
from carts.web import listings
from carts.web.request_context import GUEST_ID_KEY

pytestmark = [pytest.mark.postgres]

CLICKS = 3


def _click(cookie: str, start, looked, results) -> None:  # type: ignore[no-untyped-def]
    connections.close_all()
    look = listings.open_cart_for

    def look_then_wait(owner_id: str):  # type: ignore[no-untyped-def]
        found = look(owner_id)
        looked.wait(timeout=60)
        return found

    listings.open_cart_for = look_then_wait  # this process only: it was forked for this click
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    start.wait(timeout=60)
    response = client.post("/cart/add/", {"sku": "TEA-RACE", "quantity": "1"})
    results.put(response.status_code)
    connections.close_all()


def _race(client: Client) -> list[int]:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = multiprocessing.get_context("fork")
    start, looked, results = context.Barrier(CLICKS), context.Barrier(CLICKS), context.Queue()
    connections.close_all()
    clicks = [
        context.Process(target=_click, args=(cookie, start, looked, results)) for _ in range(CLICKS)
    ]
    for process in clicks:
        process.start()
    statuses = [results.get(timeout=120) for _ in clicks]
    for process in clicks:
        process.join(timeout=60)
        assert process.exitcode == 0
    return statuses


def _only_cart_of(owner_id: str):
    [cart_id] = selectors.owned_cart_ids(owner_id)
    return repository.load(cart_id)


@pytest.fixture
def racing_tea(committed_db) -> None:
    Product.objects.create(sku="TEA-RACE", name="Race tea", price=Decimal("1.00"))


def test_a_shoppers_double_click_opens_one_cart(racing_tea, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = get_user_model().objects.create_user("racer", password="race-for-tea-42")
    client = Client()
    client.force_login(user)

    assert _race(client) == [303] * CLICKS

    cart = _only_cart_of(f"user:{user.pk}")
    assert cart.is_open
    assert cart.lines["TEA-RACE"].quantity == CLICKS


def test_a_guests_double_click_opens_one_cart(racing_tea):
    client = Client()
    client.get("/")
    guest_id = client.session[GUEST_ID_KEY]

    assert _race(client) == [303] * CLICKS

    cart = _only_cart_of(guest_id)
    assert cart.is_open
    assert cart.lines["TEA-RACE"].quantity == CLICKS
