"""Fixtures for the shop's view tests: two shoppers, their clients, and carts made by commands."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # A deliberately slow hasher protects real passwords; these tests only need them to match.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password="tea-for-two-42")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", password="tea-for-two-42")


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def make_cart(catalog) -> Callable[..., UUID]:
    """A function that opens a cart for a user (or a guest) and adds items to it."""

    def make(user=None, items: dict[str, int] | None = None) -> UUID:
        owner = f"user:{user.pk}" if user is not None else ""
        context = Metadata(actor=owner or "guest:test", source="ui")
        cart_id = handle(CreateCart(owner_id=owner), Context.system(context)).cart.id
        for sku, quantity in (items or {}).items():
            handle(AddItem(cart_id=cart_id, sku=sku, quantity=quantity), Context.system(context))
        return cart_id

    return make


@pytest.fixture
def projected() -> Callable[[], None]:
    """Catch the projections up now, as the worker would after the test's commits."""
    from projections.tasks import catch_up

    def run() -> None:
        catch_up(retry_now=True)

    return run


def messages_of(response) -> list[str]:
    """The messages shown on a rendered page."""
    return [str(message) for message in response.context["messages"]]
