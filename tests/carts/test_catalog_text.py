"""The catalog's names, descriptions and codes are plain text: they are copied into cart events,
which are kept for good (carts.domain.plain_text)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from carts.models import DiscountCode, Product

pytestmark = pytest.mark.django_db

PRODUCT = {"sku": "NEW-001", "name": "New tea", "description": "", "price": "1.00",
           "currency": "EUR", "active": "on"}  # fmt: skip
CODE = {"code": "NEW5", "description": "", "kind": "percent", "value": "5", "currency": "",
        "active": "on"}  # fmt: skip
HIDDEN = ["\u202e", "\u200b", "\x1b", "\x1f", "\x85", "\ue000"]


@pytest.fixture
def root_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


@pytest.mark.parametrize("char", HIDDEN)
@pytest.mark.parametrize(
    ("url", "form", "field", "model"),
    [
        ("/admin/carts/product/add/", PRODUCT, "name", Product),
        ("/admin/carts/product/add/", PRODUCT, "description", Product),
        ("/admin/carts/discountcode/add/", CODE, "code", DiscountCode),
        ("/admin/carts/discountcode/add/", CODE, "description", DiscountCode),
    ],
)
def test_catalog_text_with_a_hidden_character_is_refused_naming_it(
    root_client, url, form, field, model, char
):
    response = root_client.post(url, {**form, field: f"Sencha{char}Kyoto"})
    assert response.status_code == 200  # the admin shows its form again
    assert "Holds an invisible or control character" in response.content.decode()
    assert not model.objects.exists()


def test_a_description_may_have_several_lines(root_client):
    description = "Steamed green tea.\r\nBrew at 70 °C."
    response = root_client.post(
        "/admin/carts/product/add/", {**PRODUCT, "description": description}
    )
    assert response.status_code == 302
    assert Product.objects.get(sku="NEW-001").description == description
