"""Staff actions on a cart: through the cart commands, recorded as the staff member from admin."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.commands import AddItem, ApplyDiscount, CheckOut, CreateCart
from carts.application.handler import GOODWILL_CODE, Context, handle
from eventstore.metadata import Metadata
from eventstore.models import Event
from eventstore.store import read_stream
from tests.checkout_details import DETAILS

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
        {"reason": "customer asked by phone", "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert event_count() == before + 1
    event = last_event(busy_cart)
    assert event.event_type == "cart.CartAbandoned"
    assert read_stream(repository.stream_id(busy_cart))[-1].payload["reason"] == (
        "customer asked by phone"
    )
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
    handle(CheckOut(details=DETAILS, cart_id=busy_cart), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]),
        {"reason": "late", "confirm": "yes"},
        follow=True,
    )
    assert event_count() == before
    assert any("Refused" in m for m in messages_of(response))
    assert repository.load(busy_cart).status == "checked_out"


@pytest.mark.parametrize("reason", ["late\u202e", "late\x1b[31m", "late\x1fcart"])
def test_an_abandon_reason_with_hidden_characters_is_refused_and_writes_nothing(
    agent_client: Client, busy_cart: UUID, event_count, reason: str
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]),
        {"reason": reason, "confirm": "yes"},
        follow=True,
    )
    assert event_count() == before
    assert any("control or invisible characters" in m for m in messages_of(response))
    assert repository.load(busy_cart).status == "open"


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
        ("abandon", {"reason": "x", "confirm": "yes"}),
        ("goodwill", {"kind": "percent", "value": "5"}),
        ("remove_discount", {}),
    ]:
        response = auditor_client.post(reverse(f"admin:carts_cart_{name}", args=[busy_cart]), data)
        assert response.status_code == 403
        assert "needs the &#x27;act on cart&#x27; permission (an operator).</p>" in (
            response.content.decode()
        )  # the page says why
    assert event_count() == before
    timeline = auditor_client.get(reverse("admin:carts_cart_timeline", args=[busy_cart]))
    assert timeline.status_code == 200
    assert b"Apply goodwill discount" not in timeline.content
    assert b"needs the <em>Can abandon carts" in timeline.content


def test_abandoning_without_the_confirmation_is_refused_and_writes_nothing(
    agent_client: Client, busy_cart: UUID, event_count
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]),
        {"reason": "customer asked by phone"},
        follow=True,
    )
    assert event_count() == before
    assert repository.load(busy_cart).status == "open"
    assert any(
        "Nothing was changed" in m and "tick the confirmation" in m for m in messages_of(response)
    )


@pytest.mark.parametrize("confirm", ["on", "off", "0", "no", "false", "", "YES", " yes", "true"])
def test_abandoning_needs_the_exact_affirmative_value_and_anything_else_writes_nothing(
    agent_client: Client, busy_cart: UUID, event_count, confirm: str
) -> None:
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_abandon", args=[busy_cart]),
        {"reason": "customer asked by phone", "confirm": confirm},
        follow=True,
    )
    assert event_count() == before
    assert repository.load(busy_cart).status == "open"
    assert any("tick the confirmation" in m for m in messages_of(response))


def test_the_abandon_form_asks_for_a_confirmation_that_needs_no_script(
    agent_client: Client, busy_cart: UUID
) -> None:
    page = agent_client.get(reverse("admin:carts_cart_timeline", args=[busy_cart]))
    html = page.content.decode()
    assert 'type="checkbox" name="confirm" value="yes"' in html and "required" in html
    assert "Yes, close this cart for good" in html
    assert "onsubmit" not in html


@pytest.mark.parametrize("value", ["18.01", "100.00"])
def test_a_goodwill_larger_than_the_payable_total_is_refused_naming_the_maximum(
    agent_client: Client, catalog, meta: Metadata, event_count, value: str
) -> None:
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=4), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": "amount", "value": value, "currency": "EUR"},
        follow=True,
    )
    assert event_count() == before
    assert repository.load(cart_id).total == Decimal("18.00")
    assert any(
        "Refused, nothing was recorded" in m and "at most 18.00 EUR" in m
        for m in messages_of(response)
    )


def test_staff_take_a_discount_off_recorded_with_them_and_source_admin(
    agent_client: Client, agent: User, busy_cart: UUID, event_count
) -> None:
    page = agent_client.get(reverse("admin:carts_cart_timeline", args=[busy_cart]))
    assert b"Remove discount WELCOME10" in page.content
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_remove_discount", args=[busy_cart]), follow=True
    )
    assert event_count() == before + 1
    event = last_event(busy_cart)
    assert event.event_type == "cart.DiscountRemoved"
    assert event.payload["code"] == "WELCOME10"
    assert (event.metadata["actor"], event.metadata["source"]) == (f"user:{agent.pk}", "admin")
    assert event.metadata["command"] == "cart_remove_discount"
    assert repository.load(busy_cart).discount is None
    assert any("Discount removed" in m for m in messages_of(response))
    assert b"Apply goodwill discount" in response.content


def test_taking_off_a_discount_a_cart_does_not_carry_is_refused_and_writes_nothing(
    agent_client: Client, catalog, meta: Metadata, event_count
) -> None:
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    before = event_count()
    response = agent_client.post(
        reverse("admin:carts_cart_remove_discount", args=[cart_id]), follow=True
    )
    assert event_count() == before
    assert any("no discount to remove" in m for m in messages_of(response))


def test_staff_can_give_goodwill_after_taking_the_shoppers_code_off(
    agent_client: Client, catalog, meta: Metadata, event_count
) -> None:
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    handle(ApplyDiscount(cart_id=cart_id, code="FIVEOFF"), Context.system(meta))
    agent_client.post(reverse("admin:carts_cart_remove_discount", args=[cart_id]))
    agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": "amount", "value": "12.00", "currency": "EUR"},
    )
    cart = repository.load(cart_id)
    assert (cart.discount.code if cart.discount else "", cart.total) == (
        GOODWILL_CODE,
        Decimal("0.00"),
    )
