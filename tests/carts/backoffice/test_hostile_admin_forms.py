"""Every form and list of the admin, sent hostile values by a superuser: refused with a message
and nothing written, or accepted only as its rules allow; never a 5xx, never HTML unescaped
(tests/hostile_forms.py). The cart actions, the change lists' search and filters, the catalog,
webhook subscriptions and their replay, the projections' operations and analytics.

Each value of the hostile table goes into each group of fields of every form; Hypothesis then
sends generated values one field at a time (bounded and the same on every run).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.skus import SKU_PATTERN
from eventstore.metadata import Metadata
from eventstore.models import Event
from projections.models import WebhookSubscription
from projections.registry import names
from tests.hostile_forms import (
    HOSTILE,
    Form,
    People,
    Rule,
    hostile_text,
    one_of,
    plain_text,
    send,
)

pytestmark = pytest.mark.django_db

TARGET = "https://93.184.215.14/hook"


@dataclass
class Admin:
    """A superuser, a shopper's open cart, a webhook subscription, and the admin's forms."""

    people: People
    forms: list[Form]


def amount(low: Decimal, high: Decimal) -> Rule:
    """An amount above ``low`` and at most ``high``, with at most two decimals."""

    def rule(value: str) -> bool:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return False
        exponent = number.as_tuple().exponent
        return number.is_finite() and low < number <= high and int(exponent) >= -2

    return rule


def admin_forms(cart_id: UUID, subscription: str, correlation: str) -> list[Form]:
    """Every form and list of the admin, filled in validly, for the cart ``cart_id``."""
    cart = f"/admin/carts/cart/{cart_id}"
    sku: Callable[[str], bool] = lambda v: re.fullmatch(SKU_PATTERN, v.strip()) is not None  # noqa: E731
    currency: Callable[[str], bool] = lambda v: re.fullmatch("[A-Z]{3}", v.strip()) is not None  # noqa: E731
    return [
        Form(
            "cart list", "get", "/admin/projections/cartsummary/", {},
            ("q", "o", "p", "status", "currency", "total", "created_at__gte",
             "last_activity_at__year"), "root",
            together=(("q",), ("o", "p", "status", "currency", "total", "created_at__gte",
                                "last_activity_at__year")),
        ),
        Form(
            "event log", "get", "/admin/eventstore/event/", {},
            ("q", "source", "actor", "event_type", "stream_type", "recorded_at__year"), "root",
            together=(("q",), ("source", "actor", "event_type", "stream_type",
                                "recorded_at__year")),
        ),
        Form(
            "one correlation", "get", "/admin/eventstore/event/correlation/{path}/",
            {"path": correlation}, ("path",), "root",
        ),
        Form("audit timeline", "get", f"{cart}/timeline/", {"version": "2"}, ("version",), "root"),
        Form(
            "abandon a cart", "post", f"{cart}/abandon/",
            {"reason": "closed by staff", "confirm": "yes"}, ("reason", "confirm"), "root",
            {"reason": plain_text(200), "confirm": one_of("yes", fold=str)},
        ),
        Form(
            "goodwill", "post", f"{cart}/goodwill/",
            {"kind": "amount", "value": "1.00", "currency": "EUR"},
            ("kind", "value", "currency"), "root",
            {"kind": one_of("percent", "amount", fold=str),
             "value": amount(Decimal(0), Decimal(100)), "currency": one_of("EUR", "")},
            together=(("kind",), ("value",), ("currency",)),
        ),
        Form(
            "forget the customer", "post", f"{cart}/forget/", {"reason": "ticket 481"},
            ("reason",), "root", {"reason": plain_text(500, required=True)},
        ),
        Form(
            "add a product", "post", "/admin/carts/product/add/",
            {"sku": "NEW-001", "name": "New tea", "description": "", "price": "1.00",
             "currency": "EUR", "active": "on"},
            ("sku", "name", "description", "price", "currency"), "root",
            {"sku": sku, "name": plain_text(200, required=True),
             "description": plain_text(10_000, breaks=True),
             "price": amount(Decimal(-1), Decimal("99999999.99")), "currency": currency},
            # The form checks each field on its own: the text is sent apart from the rest
            # only so that it can be accepted, and its rule judged.
            together=(("sku", "price", "currency"), ("name", "description")),
        ),
        Form(
            "add a discount code", "post", "/admin/carts/discountcode/add/",
            {"code": "NEW5", "description": "", "kind": "percent", "value": "5",
             "currency": "", "active": "on"},
            ("code", "description", "kind", "value", "currency"), "root",
            {"code": plain_text(40, required=True), "description": plain_text(200)},
            together=(("code", "description"), ("kind", "value", "currency")),
        ),
        Form(
            "catalog search", "get", "/admin/carts/product/", {}, ("q", "active", "currency"),
            "root", together=(("q",), ("active", "currency")),
        ),
        Form(
            "subscribe a webhook", "post", "/admin/projections/webhooksubscription/add/",
            {"description": "", "target_url": TARGET},
            ("description", "target_url", "event_types", "stream_types"), "root",
            together=(("description",), ("target_url", "event_types", "stream_types")),
        ),
        Form(
            "replay a webhook", "post", "/admin/projections/webhooksubscription/",
            {"action": "replay", "_selected_action": subscription, "checkpoint": ""},
            ("checkpoint", "_selected_action", "action"), "root",
            together=(("checkpoint",), ("_selected_action",), ("action",)),
        ),
        Form(
            "rebuild a projection", "post", "/admin/projections/dashboard/rebuild/",
            {"name": "cart_summaries"}, ("name",), "root", {"name": one_of(*names(), fold=str)},
        ),
        Form(
            "catch up a projection", "post", "/admin/projections/dashboard/catch-up/",
            {"name": "cart_summaries"}, ("name",), "root",
            {"name": one_of("", *names(), fold=str)},
        ),
        Form("daily funnel", "get", "/admin/projections/analytics/funnel/", {"days": "7"},
             ("days",), "root"),
        Form("user search", "get", "/admin/auth/user/", {"q": "olive"}, ("q",), "root"),
        Form(
            "admin log-in", "post", "/admin/login/", {"username": "root", "password": "x"},
            ("username", "password"), "nobody", {"username": one_of("root")},
        ),
    ]  # fmt: skip


@pytest.fixture
def admin(catalog, settings, monkeypatch) -> Admin:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A target is checked by resolving its name: none leaves the machine in tests.
    monkeypatch.setattr("projections.webhooks.targets.socket.getaddrinfo", _no_dns)
    root = User.objects.create_superuser("root", password="x")
    shopper = User.objects.create_user("olive", password="x")
    owner = f"user:{shopper.pk}"
    context = Context.system(Metadata(actor=owner, source="ui", correlation_id="corr-1"))
    cart_id = handle(CreateCart(owner_id=owner), context).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), context)
    subscription = WebhookSubscription.objects.create(target_url=TARGET, created_by=owner)
    people = People({"root": root, "nobody": None})
    assert Event.objects.filter(correlation_id="corr-1").exists()
    return Admin(people=people, forms=admin_forms(cart_id, str(subscription.pk), "corr-1"))


def _no_dns(*args: object, **kwargs: object) -> object:
    raise OSError("no name resolution in the tests")


def test_every_admin_form_takes_every_hostile_value_as_its_rules_say(admin: Admin) -> None:
    broken = [
        f"{form.name} with {value.name} in {', '.join(group)}: {problem}"
        for form in admin.forms
        for group in form.groups()
        for value in HOSTILE
        for problem in send(admin.people, form, dict.fromkeys(group, value.text)).problems
    ]
    assert not broken, "\n".join(broken)


@settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_admin_form_takes_generated_values_one_field_at_a_time(admin: Admin, data) -> None:
    for form in admin.forms:
        name = data.draw(st.sampled_from(form.fuzzed), label=f"{form.name}: field")
        value = data.draw(hostile_text(), label=f"{form.name}: {name}")
        assert send(admin.people, form, {name: value}).problems == [], (form.name, name, value)


def test_every_admin_form_filled_in_validly_is_accepted(admin: Admin) -> None:
    # Else every hostile value would be refused for a reason of its own, and prove little.
    verdicts = {form.name: send(admin.people, form, {}) for form in admin.forms}
    assert {name: v.status for name, v in verdicts.items() if v.refused or v.problems} == {}
