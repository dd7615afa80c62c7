"""The analytics pages: the charts and the numbers beside them come from the projections."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carts.application.commands import Abandon, AddItem, CheckOut, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from projections.selectors import daily_funnel, product_activity
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopping(catalog, meta: Metadata, project_everything) -> None:
    """Three carts: one bought, one abandoned after removing a mug, one left open."""
    bought = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=bought, sku="TEA-001", quantity=2), Context.system(meta))
    handle(CheckOut(details=DETAILS, cart_id=bought), Context.system(meta))
    dropped = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=dropped, sku="MUG-001", quantity=3), Context.system(meta))
    handle(AddItem(cart_id=dropped, sku="TEA-001", quantity=1), Context.system(meta))
    handle(RemoveItem(cart_id=dropped, sku="MUG-001"), Context.system(meta))
    handle(RemoveItem(cart_id=dropped, sku="TEA-001"), Context.system(meta))
    handle(Abandon(cart_id=dropped, reason="idle"), Context.system(meta))
    handle(CreateCart(), Context.system(meta))
    project_everything()


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


@pytest.mark.parametrize("name", ["admin:projections_funnel", "admin:projections_removals"])
def test_only_staff_with_permission_reach_the_analytics(client: Client, name: str) -> None:
    assert client.get(reverse(name))["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(reverse(name)).status_code == 403


def test_the_funnel_chart_and_table_show_the_daily_funnel_projection(
    admin_client: Client, shopping: None
) -> None:
    response = admin_client.get(reverse("admin:projections_funnel"))
    assert response.status_code == 200
    (today,) = daily_funnel()
    assert (today.carts_created, today.carts_with_items, today.checked_out, today.abandoned) == (
        3,
        2,
        1,
        1,
    )
    (group,) = response.context["chart"].groups
    assert [bar.value for bar in group.bars] == [3, 2, 1, 1]
    page = response.content.decode()
    assert 'id="funnel-chart"' in page and page.count('<rect class="s') == 4
    assert "<title>{}: 3</title>".format(today.day.strftime("%b %d")) in page
    assert f"{today.revenue} {today.currency}" in page


def test_the_funnel_shows_as_many_days_as_asked_within_limits(
    admin_client: Client, shopping: None
) -> None:
    assert (
        admin_client.get(reverse("admin:projections_funnel"), {"days": "500"}).context["days"] == 90
    )
    assert (
        admin_client.get(reverse("admin:projections_funnel"), {"days": "x"}).context["days"] == 14
    )


def test_the_removals_chart_ranks_products_by_units_removed_before_checkout(
    admin_client: Client, shopping: None
) -> None:
    response = admin_client.get(reverse("admin:projections_removals"))
    rows = response.context["rows"]
    expected = list(
        product_activity()
        .filter(units_removed_before_checkout__gt=0)
        .order_by("-units_removed_before_checkout")
        .values_list("sku", "units_removed_before_checkout")
    )
    assert [(row.sku, bar.value) for row, bar in rows] == expected
    assert expected[0] == ("MUG-001", 3)
    page = response.content.decode()
    assert 'id="removals-chart"' in page
    assert "MUG-001 Stoneware mug" in page
    assert "<strong>3</strong>" in page


def test_pages_of_a_shop_without_carts_say_so(admin_client: Client) -> None:
    assert "No carts yet" in admin_client.get(reverse("admin:projections_funnel")).content.decode()
    page = admin_client.get(reverse("admin:projections_removals")).content.decode()
    assert "No product has been removed" in page
