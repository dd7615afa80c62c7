"""Staff actions on a cart: through the cart commands, recorded as the staff member from admin."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import GOODWILL_CODE, Context, handle
from eventstore.metadata import Metadata
from eventstore.models import Event

pytestmark = pytest.mark.django_db


def last_event(cart_id: UUID) -> Event:
    return Event.objects.filter(stream_id=repository.stream_id(cart_id)).order_by("-version")[0]


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_abandoning_a_cart_is_recorded_with_the_staff_member_and_source_admin(
    agent_client: Client, agent: User, busy_cart: UUID, event_count
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]),
        {"reason": "customer asked by phone"},
        follow=True,
    )
    assert response.status_code == 200
    assert event_count() == before + 1
    event = last_event(busy_cart)
    assert event.event_type == "cart.CartAbandoned"
    assert event.payload["reason"] == "customer asked by phone"
    assert event.metadata["actor"] == f"user:{agent.pk}"
    assert event.metadata["source"] == "admin"
    assert event.metadata["command"] == "cart_abandon"
    assert event.correlation_id and event.metadata["command"] == "cart_abandon"
    assert repository.load(busy_cart).status == "abandoned"
    assert any("Cart abandoned" in m for m in messages_of(response))


def test_a_goodwill_discount_is_recorded_with_the_staff_member_and_source_admin(
    agent_client: Client, agent: User, catalog, meta: Metadata, event_count
) -> None:
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=2), Context.system(meta))
    before = event_count()
    agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": "amount", "value": "3.00", "currency": "eur"},
    )
    assert event_count() == before + 1
    event = last_event(cart_id)
    assert event.event_type == "cart.DiscountApplied"
    assert event.payload["code"] == GOODWILL_CODE
    assert (event.metadata["actor"], event.metadata["source"]) == (f"user:{agent.pk}", "admin")
    assert repository.load(cart_id).total == 21


def test_a_discount_the_cart_refuses_shows_the_rule_and_writes_nothing(
    agent_client: Client, busy_cart: UUID, event_count
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[busy_cart]),
        {"kind": "percent", "value": "5", "currency": ""},
        follow=True,
    )
    assert event_count() == before
    assert any(
        "Refused, nothing was recorded" in m and "already applied" in m
        for m in messages_of(response)
    )


def test_abandoning_a_cart_that_is_already_closed_is_refused_and_writes_nothing(
    agent_client: Client, busy_cart: UUID, meta: Metadata, event_count
) -> None:
    handle(CheckOut(cart_id=busy_cart), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]), {"reason": "late"}, follow=True
    )
    assert event_count() == before
    assert any("Refused" in m for m in messages_of(response))
    assert repository.load(busy_cart).status == "checked_out"


def test_a_malformed_goodwill_form_names_the_problem_and_writes_nothing(
    agent_client: Client, busy_cart: UUID, event_count
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[busy_cart]),
        {"kind": "free", "value": "lots"},
        follow=True,
    )
    assert event_count() == before
    problems = " ".join(messages_of(response))
    assert "Nothing was changed" in problems and "kind" in problems and "value" in problems


def test_actions_need_a_post_and_an_auditor(client: Client, busy_cart: UUID, event_count) -> None:
    url = reverse("admin:carts_cart_abandon", args=[busy_cart])
    before = event_count()
    assert client.post(url, {"reason": "x"}).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("shopper", password="x"))
    assert client.post(url, {"reason": "x"}).status_code == 302
    # Staff without a role may not even read the cart: it answers as a missing one would.
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert event_count() == before
    client.force_login(User.objects.create_superuser("root", password="x"))
    assert client.get(url).status_code == 405
    assert event_count() == before


def test_an_auditor_who_may_only_read_cannot_act_and_writes_nothing(
    auditor_client: Client, busy_cart: UUID, event_count
) -> None:
    before = event_count()
    for name, data in [
        ("abandon", {"reason": "x"}),
        ("goodwill", {"kind": "percent", "value": "5"}),
    ]:
        response = auditor_client.post(reverse(f"admin:carts_cart_{name}", args=[busy_cart]), data)
        assert response.status_code == 403
    assert event_count() == before
    timeline = auditor_client.get(reverse("admin:carts_cart_timeline", args=[busy_cart]))
    assert timeline.status_code == 200
    assert b"Apply goodwill discount" not in timeline.content
    assert b"needs the <em>Can abandon carts" in timeline.content
