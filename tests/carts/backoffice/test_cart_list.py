"""The admin's cart list: read from the cart summaries projection, each row opens a timeline."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db

CART_LIST = "admin:projections_cartsummary_changelist"


@pytest.fixture
def carts(catalog, meta: Metadata, project_everything) -> dict[str, UUID]:
    """An open EUR cart of sam's (9.00), a bought one (24.00), an empty guest cart, a USD one."""
    sam = User.objects.create_user("sam", password="x")
    made = {
        "open": handle(CreateCart(owner_id=f"user:{sam.pk}"), Context.system(meta)).cart.id,
        "bought": handle(CreateCart(owner_id="user:999"), Context.system(meta)).cart.id,
        "empty": handle(CreateCart(), Context.system(meta)).cart.id,
        "usd": handle(CreateCart(), Context.system(meta)).cart.id,
    }
    handle(AddItem(cart_id=made["open"], sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=made["bought"], sku="MUG-001", quantity=2), Context.system(meta))
    handle(CheckOut(details=DETAILS, cart_id=made["bought"]), Context.system(meta))
    handle(AddItem(cart_id=made["usd"], sku="USD-001", quantity=1), Context.system(meta))
    project_everything()
    return made


def listed(client: Client, **query: str) -> set[UUID]:
    response = client.get(reverse(CART_LIST), query)
    assert response.status_code == 200
    return {row.cart_id for row in response.context["cl"].result_list}


def test_anonymous_shoppers_and_staff_without_permission_cannot_list_carts(
    client: Client, carts: dict[str, UUID]
) -> None:
    assert client.get(reverse(CART_LIST))["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("shopper", password="x"))
    assert client.get(reverse(CART_LIST))["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(reverse(CART_LIST)).status_code == 403


def test_every_cart_is_listed_and_each_row_links_to_its_timeline(
    auditor_client: Client, carts: dict[str, UUID]
) -> None:
    assert listed(auditor_client) == set(carts.values())
    page = auditor_client.get(reverse(CART_LIST)).content.decode()
    for cart_id in carts.values():
        assert reverse("admin:carts_cart_timeline", args=[cart_id]) in page
    assert "(sam)" in page
    assert "fully caught up" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "checked_out"}, {"bought"}),
        ({"status__exact": "open"}, {"open", "empty", "usd"}),
        ({"currency__exact": "USD"}, {"usd"}),
        ({"total": "0"}, {"empty"}),
        ({"total": "under 25"}, {"open", "bought", "usd"}),
        ({"total": "25 to 50"}, set()),
    ],
)
def test_carts_filter_by_status_currency_and_total(
    auditor_client: Client, carts: dict[str, UUID], query: dict[str, str], expected: set[str]
) -> None:
    assert listed(auditor_client, **query) == {carts[name] for name in expected}


def test_carts_filter_by_the_day_they_were_created(
    auditor_client: Client, carts: dict[str, UUID]
) -> None:
    today = timezone.localdate()
    since = {
        "created_at__gte": str(today),
        "created_at__lt": str(today.replace(year=today.year + 1)),
    }
    assert listed(auditor_client, **since) == set(carts.values())
    assert listed(auditor_client, created_at__lt=str(today)) == set()


@pytest.mark.parametrize(
    ("term", "expected"),
    [("sam", {"open"}), ("user:999", {"bought"}), ("nobody-like-this", set())],
)
def test_carts_are_found_by_owner_or_username(
    auditor_client: Client, carts: dict[str, UUID], term: str, expected: set[str]
) -> None:
    assert listed(auditor_client, q=term) == {carts[name] for name in expected}


def test_a_cart_is_found_by_its_id_with_or_without_the_stream_prefix(
    auditor_client: Client, carts: dict[str, UUID]
) -> None:
    cart_id = carts["usd"]
    assert listed(auditor_client, q=str(cart_id)) == {cart_id}
    assert listed(auditor_client, q=f"cart-{cart_id}") == {cart_id}


def test_the_cart_list_offers_no_add_change_or_delete(
    client: Client, carts: dict[str, UUID]
) -> None:
    client.force_login(User.objects.create_superuser("root", password="x"))
    assert client.get(reverse("admin:projections_cartsummary_add")).status_code == 403
    page = client.get(reverse(CART_LIST)).content.decode()
    assert 'name="action"' not in page
    assert reverse("admin:projections_cartsummary_add") not in page
