"""Every shop form speaks to a shopper: a tampered or malformed field is refused in plain words,
never with a field's name or Django's wording, and writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from carts.application import repository
from carts.web import forms as shop_forms
from carts.web.shopper import CART_KEY
from tests.carts.web.views.conftest import messages_of
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.django_db

FIELD_WORDS = ("version", "cart_id", "unit_price", "sku:", "quantity:", "precision", "code:")
DJANGO_WORDS = ("Ensure", "This field", "Select a valid choice", "Enter a number", "Enter a whole")
TAMPERED = ["", "x", "-1", "1e3", "9" * 30, "0.001", "\u00b2"]


def every_shop_form() -> list[type[shop_forms.ShopForm]]:
    return [
        form
        for form in vars(shop_forms).values()
        if isinstance(form, type) and issubclass(form, shop_forms.ShopForm)
        if form is not shop_forms.ShopForm
    ]


@pytest.mark.parametrize("form", every_shop_form(), ids=lambda form: form.__name__)
def test_every_field_of_every_shop_form_has_a_shoppers_sentence(form):
    assert set(form.problems) == set(form.base_fields)
    for problem in form.problems.values():
        assert problem.endswith(".") and problem[0].isupper()
        assert not any(word in problem for word in FIELD_WORDS)


@pytest.fixture
def cart_id(client: Client, catalog) -> str:
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    return client.session[CART_KEY]


def posts(cart_id: str) -> list[tuple[str, dict[str, str], str]]:
    """Every shop form's post, with the field to tamper with."""
    line = f"/cart/{cart_id}/lines/TEA-001"
    return [
        ("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, "sku"),
        ("/cart/add/", {"sku": "TEA-001", "quantity": "1"}, "quantity"),
        ("/cart/new/", {"sku": "USD-001", "quantity": "1"}, "sku"),
        ("/cart/new/", {"sku": "USD-001", "quantity": "1"}, "quantity"),
        (f"{line}/quantity/", {"quantity": "2"}, "quantity"),
        (f"{line}/price/", {"unit_price": "4.50"}, "unit_price"),
        (f"/cart/{cart_id}/discount/", {"code": "WELCOME10"}, "code"),
        (f"/checkout/{cart_id}/", {"version": "2", **DETAILS_FIELDS}, "version"),
    ]


@pytest.mark.parametrize("value", TAMPERED)
def test_a_tampered_field_of_any_shop_form_is_refused_in_a_shoppers_words(
    client: Client, cart_id: str, event_count, value: str
):
    for url, data, field in posts(cart_id):
        before = event_count()
        response = client.post(url, {**data, field: value}, follow=True)
        assert response.status_code == 200, (url, field, value)
        shown = " ".join(messages_of(response))
        assert shown, (url, field, value)
        assert not any(word.lower() in shown.lower() for word in FIELD_WORDS), shown
        assert not any(word in shown for word in DJANGO_WORDS), shown
        assert cart_id not in shown
        assert event_count() == before, (url, field, value)
    assert repository.load(repository.cart_id_of(f"cart-{cart_id}")).version == 2


@pytest.mark.parametrize("precision", ["x", "s", "MS", "ms "])
def test_a_tampered_moment_picker_is_refused_in_a_shoppers_words(
    client: Client, cart_id: str, precision: str
):
    html = client.get(
        f"/carts/{cart_id}/history/", {"at": "2026-03-01T10:15:42", "precision": precision}
    ).content.decode()
    assert "We could not read the moment picker&#x27;s setting; reload the page" in html
    assert "Precision:" not in html
    assert not any(word in html for word in DJANGO_WORDS)
