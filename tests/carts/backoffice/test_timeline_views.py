"""The cart's audit timeline in the admin: replay-exact diffs, state at any event, integrity."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.timeline import CartView
from eventstore import immutability

pytestmark = pytest.mark.django_db


def timeline_url(cart_id: UUID) -> str:
    return reverse("admin:carts_cart_timeline", args=[cart_id])


def test_anonymous_visitors_and_shoppers_cannot_open_a_timeline(
    client: Client, busy_cart: UUID
) -> None:
    assert client.get(timeline_url(busy_cart))["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("shopper", password="x"))
    assert client.get(timeline_url(busy_cart))["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_event_permission_see_no_such_cart(
    client: Client, busy_cart: UUID
) -> None:
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(timeline_url(busy_cart)).status_code == 404


def test_an_unknown_cart_has_no_timeline(auditor_client: Client, catalog) -> None:
    assert auditor_client.get(timeline_url(uuid4())).status_code == 404


def test_every_event_is_shown_in_version_order_with_who_source_and_correlation(
    auditor_client: Client, busy_cart: UUID
) -> None:
    response = auditor_client.get(timeline_url(busy_cart))
    assert response.status_code == 200
    steps = response.context["steps"]
    history = repository.history(busy_cart)
    assert [s.event.position for s in steps] == [e.position for e in history]
    assert [s.event.version for s in steps] == list(range(1, len(history) + 1))
    page = response.content.decode()
    assert page.count('<span class="ledger-badge">system</span>') == len(history)
    assert "user:test" in page
    assert reverse("admin:eventstore_event_correlation", args=["corr-test"]) in page


def test_each_step_shows_the_state_that_replaying_to_its_version_gives(
    auditor_client: Client, busy_cart: UUID
) -> None:
    steps = auditor_client.get(timeline_url(busy_cart)).context["steps"]
    for step in steps:
        version = step.event.version
        assert step.after == CartView.of(repository.load(busy_cart, to_version=version))
        if version > 1:
            assert step.before == CartView.of(repository.load(busy_cart, to_version=version - 1))


def test_the_diffs_name_lines_added_removed_and_changed_and_the_new_totals(
    auditor_client: Client, busy_cart: UUID
) -> None:
    response = auditor_client.get(timeline_url(busy_cart))
    steps = response.context["steps"]
    kinds = [
        [(c.kind, c.sku, c.quantity_before, c.quantity_after) for c in s.changes] for s in steps
    ]
    assert kinds == [
        [],
        [("added", "TEA-001", 0, 2)],
        [("added", "MUG-001", 0, 1)],
        [("changed", "TEA-001", 2, 5)],
        [],
        [("removed", "MUG-001", 1, 0)],
        [("added", "MUG-001", 0, 3)],
    ]
    page = response.content.decode()
    assert "+ TEA-001 Green tea: 2 × 4.50" in page
    assert "~ TEA-001 Green tea: 2 → 5" in page
    assert "− MUG-001 Stoneware mug: was 1 × 12.00" in page
    # The discount step changes no line, only the totals: 34.50 less 10%.
    assert "total 34.50 → <strong>31.05</strong> EUR" in page


@pytest.mark.parametrize("version", [1, 3, 4, 6, 7])
def test_the_cart_as_it_was_at_any_event_matches_loading_it_at_that_version(
    auditor_client: Client, busy_cart: UUID, version: int
) -> None:
    response = auditor_client.get(timeline_url(busy_cart), {"version": version})
    assert response.context["selected"] == version
    assert response.context["state"] == CartView.of(repository.load(busy_cart, to_version=version))
    assert f"The cart as it was at version {version}" in response.content.decode()


def test_without_a_version_the_current_cart_is_shown(
    auditor_client: Client, busy_cart: UUID
) -> None:
    response = auditor_client.get(timeline_url(busy_cart), {"version": "nonsense"})
    assert response.context["state"] == CartView.of(repository.load(busy_cart))


def test_an_intact_hash_chain_is_reported_as_verified(
    auditor_client: Client, busy_cart: UUID
) -> None:
    page = auditor_client.get(timeline_url(busy_cart)).content.decode()
    assert "Hash chain intact: 7 events verified" in page


def test_an_event_altered_behind_the_stores_back_is_reported(
    auditor_client: Client, busy_cart: UUID
) -> None:
    stream = repository.stream_id(busy_cart)
    # Only the schema owner can lift the triggers; this is the tampering the chain must expose.
    immutability.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE eventstore_event SET payload = %s WHERE stream_id = %s AND version = 2",
                [
                    '{"sku": "TEA-001", "name": "Green tea", "unit_price": "0.01", '
                    '"currency": "EUR", "quantity": 2}',
                    stream,
                ],
            )
    finally:
        immutability.install(connection)
    page = auditor_client.get(timeline_url(busy_cart)).content.decode()
    assert "Integrity check failed" in page
    assert "version 2" in page
