"""Every form of the shop, sent hostile values: refused with a message and nothing written,
or accepted only as its rules allow; never a 5xx, never HTML unescaped (tests/hostile_forms.py).

Each value of the hostile table goes into every fuzzed field of every form at once; Hypothesis
then sends generated values one field at a time (bounded and the same on every run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS_FIELDS
from tests.hostile_forms import (
    HOSTILE,
    Form,
    People,
    Rule,
    hostile_text,
    one_of,
    plain_text,
    send,
    whole_number,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Oolong-at-noon-7"
SOLD = ("TEA-001", "MUG-001", "USD-001")
CODES = ("WELCOME10", "FIVEOFF")


@dataclass
class Shop:
    """A shopper with an open cart of two teas, a guest, and the shop's forms for them."""

    people: People
    forms: list[Form]


def _price(expected: str) -> Rule:
    def rule(value: str) -> bool:
        try:
            return Decimal(value.strip()) == Decimal(expected)
        except InvalidOperation:
            return False

    return rule


def shop_forms(cart_id: UUID, version: int) -> list[Form]:
    """Every form of the shop, filled in validly for the shopper's cart ``cart_id``."""
    cart = f"/cart/{cart_id}"
    quantity = whole_number(1, 99)
    details = {
        "full_name": plain_text(200, breaks=True, required=True),
        "address_line1": plain_text(200, breaks=True, required=True),
        "address_line2": plain_text(200, breaks=True),
        "city": plain_text(100, breaks=True, required=True),
        "postal_code": plain_text(20, breaks=True, required=True),
    }
    username = re.compile(r"[\w.@+-]{1,150}")
    # A moment the cart existed at, as the moment picker sends one.
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return [
        Form(
            "add to cart", "post", "/cart/add/", {"sku": "TEA-001", "quantity": "1"},
            ("sku", "quantity", "next"), "shopper",
            {"sku": one_of(*SOLD), "quantity": quantity},
        ),
        Form(
            "offer of a new cart", "get", "/cart/new/", {"sku": "USD-001", "quantity": "1"},
            ("sku", "quantity"), "shopper", {"sku": one_of(*SOLD), "quantity": quantity},
        ),
        Form(
            "new cart", "post", "/cart/new/", {"sku": "USD-001", "quantity": "1", "number": "2"},
            ("sku", "quantity", "number"), "shopper",
            {"sku": one_of(*SOLD), "quantity": quantity},
        ),
        Form(
            "quantity", "post", f"{cart}/lines/TEA-001/quantity/", {"quantity": "3"},
            ("quantity",), "shopper", {"quantity": quantity},
        ),
        Form(
            "accept a line's price", "post", f"{cart}/lines/TEA-001/price/",
            {"unit_price": "4.50"}, ("unit_price",), "shopper", {"unit_price": _price("4.50")},
        ),
        Form(
            "remove a line", "post", f"{cart}/lines/{{path}}/remove/", {"path": "TEA-001"},
            ("path",), "shopper",
            {"path": one_of("TEA-001", fold=str)},
        ),
        Form(
            "discount code", "post", f"{cart}/discount/", {"code": "WELCOME10"}, ("code",),
            "shopper", {"code": one_of(*CODES, fold=lambda v: v.strip().upper())},
        ),
        Form(
            "place the order", "post", f"/checkout/{cart_id}/",
            {"version": str(version), **DETAILS_FIELDS},
            ("version", *DETAILS_FIELDS), "shopper",
            {"version": whole_number(version, version), **details},
            together=(("version",), ("email",), ("country",), tuple(details)),
        ),
        Form(
            "continue with a cart", "post", "/carts/{path}/continue/", {"path": str(cart_id)},
            ("path",), "shopper",
            {"path": one_of(str(cart_id), fold=str)},
        ),
        Form(
            "time travel", "get", f"/carts/{cart_id}/history/",
            {"at": later, "version": "1", "precision": "ms"},
            ("at", "version", "precision"), "shopper",
        ),
        Form("catalog search", "get", "/", {"q": "tea"}, ("q",), "guest"),
        Form(
            "a product's page", "get", "/products/{path}/", {"path": "TEA-001"}, ("path",),
            "guest",
            {"path": one_of("TEA-001", "MUG-001", "OLD-001", "USD-001", fold=str)},
        ),
        Form(
            "sign up", "post", "/accounts/signup/",
            {"username": "newbie", "email": "", "password1": PASSWORD, "password2": PASSWORD},
            ("username", "email", "password1", "password2"), "guest",
            {"username": lambda v: username.fullmatch(v.strip()) is not None},
        ),
        Form(
            "log in", "post", "/accounts/login/", {"username": "olive", "password": PASSWORD},
            ("username", "password", "next"), "guest",
            {"username": one_of("olive"), "password": one_of(PASSWORD, fold=str)},
        ),
    ]  # fmt: skip


@pytest.fixture
def shop(catalog, settings) -> Shop:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A shop shipping to a few countries: the checkout page lists them (a form shown again
    # renders every country otherwise), and another country is refused as such.
    settings.SHOP_SHIPS_TO = ["GB", "DE", "FR"]
    shopper = User.objects.create_user("olive", password=PASSWORD)
    owner = f"user:{shopper.pk}"
    context = Context.system(Metadata(actor=owner, source="ui"))
    cart_id = handle(CreateCart(owner_id=owner), context).cart.id
    version = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), context).version
    people = People({"shopper": shopper, "guest": None})
    return Shop(people=people, forms=shop_forms(cart_id, version))


def test_every_form_takes_every_hostile_value_as_its_rules_say(shop: Shop) -> None:
    broken = [
        f"{form.name} with {value.name}: {problem}"
        for form in shop.forms
        for group in form.groups()
        for value in HOSTILE
        for problem in send(shop.people, form, dict.fromkeys(group, value.text)).problems
    ]
    assert not broken, "\n".join(broken)


@settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_form_takes_generated_values_one_field_at_a_time(shop: Shop, data) -> None:
    for form in shop.forms:
        name = data.draw(st.sampled_from(form.fuzzed), label=f"{form.name}: field")
        value = data.draw(hostile_text(), label=f"{form.name}: {name}")
        assert send(shop.people, form, {name: value}).problems == [], (form.name, name, value)


def test_every_form_filled_in_validly_is_accepted(shop: Shop) -> None:
    # Else every hostile value would be refused for a reason of its own, and prove little.
    verdicts = {form.name: send(shop.people, form, {}) for form in shop.forms}
    assert {name: v.status for name, v in verdicts.items() if v.refused or v.problems} == {}
