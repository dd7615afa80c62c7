"""Forgetting a cart's customer from its admin timeline: its own permission, a reason, one event."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.commands import ProvideCheckoutDetails
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.personal import ERASED
from tests.admin_fixtures import staff_member
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_with_details(busy_cart: UUID, meta: Metadata) -> UUID:
    handle(ProvideCheckoutDetails(cart_id=busy_cart, details=DETAILS), Context.system(meta))
    return busy_cart


def _forget(client: Client, cart_id: UUID, reason: str = "ticket #481"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:carts_cart_forget", args=[cart_id]), {"reason": reason}, follow=True
    )


def test_a_staff_member_with_the_permission_forgets_the_customer_of_a_cart(
    client: Client, cart_with_details: UUID, event_count
) -> None:
    client.force_login(staff_member("privacy", "view_event", "forget_person"))
    before = event_count()

    response = _forget(client, cart_with_details)

    assert response.status_code == 200
    assert event_count() == before + 2  # the open cart abandoned, then CustomerForgotten
    assert repository.load(cart_with_details).status == "abandoned"
    assert any("Customer user:7 is forgotten" in str(m) for m in response.context["messages"]), [
        str(m) for m in response.context["messages"]
    ]
    assert repository.load(cart_with_details).details.email == ERASED  # type: ignore[union-attr]
    page = client.get(reverse("admin:carts_cart_timeline", args=[cart_with_details]))
    assert DETAILS.email not in page.content.decode()


def test_without_the_permission_the_form_is_not_shown_and_a_post_is_refused(
    agent_client: Client, cart_with_details: UUID, event_count
) -> None:
    page = agent_client.get(reverse("admin:carts_cart_timeline", args=[cart_with_details]))
    assert 'id="forget-customer"' not in page.content.decode()
    before = event_count()

    response = _forget(agent_client, cart_with_details)

    assert response.status_code == 403
    assert event_count() == before
    assert repository.load(cart_with_details).details == DETAILS


def test_a_missing_reason_is_refused_and_nothing_is_recorded(
    client: Client, cart_with_details: UUID, event_count
) -> None:
    client.force_login(staff_member("privacy", "view_event", "forget_person"))
    before = event_count()

    response = _forget(client, cart_with_details, reason=" ")

    assert "give the reason" in response.content.decode()
    assert event_count() == before
    assert repository.load(cart_with_details).details == DETAILS


def test_staff_find_an_order_by_its_number_or_e_mail_until_its_customer_is_forgotten(
    client: Client, cart_with_details: UUID, meta: Metadata, project_everything
) -> None:
    from carts.application.commands import CheckOut

    number = handle(CheckOut(cart_id=cart_with_details), Context.system(meta)).cart.order_number
    project_everything()
    client.force_login(staff_member("privacy", "view_event", "forget_person"))
    listing = reverse("admin:projections_cartsummary_changelist")

    for term in (number, number.lower(), DETAILS.email.upper()):
        assert str(cart_with_details) in client.get(listing, {"q": term}).content.decode()
    _forget(client, cart_with_details)
    project_everything()
    assert str(cart_with_details) not in client.get(listing, {"q": DETAILS.email}).content.decode()
