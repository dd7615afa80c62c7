"""SKUs go into URLs: new ones follow a pattern, and no stored one can break a page."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from carts.application import repository
from carts.checks import check_stored_skus
from carts.models import Product
from carts.skus import SKU_RULE
from carts.web.shopper import CART_KEY
from tests.carts.api.conftest import token_client

pytestmark = pytest.mark.django_db

# SKUs the admin accepted before the pattern existed: each would end or split a URL's path.
LEGACY_SKUS = ["TEA/GRN", "TEA GRN", "TEA?GRN#1", "100%"]


def legacy_product(sku: str) -> Product:
    """A product stored before the SKU pattern: create() skips the model's validators."""
    return Product.objects.create(sku=sku, name="Legacy green", price=Decimal("6.00"))


@pytest.mark.parametrize("sku", ["TEA-GRN", "tea_grn.2", "A", "9" * 40])
def test_a_sku_of_url_safe_characters_is_accepted(sku):
    Product(sku=sku, name="Green", price=Decimal("6.00")).full_clean()


@pytest.mark.parametrize(
    "sku", [*LEGACY_SKUS, "TEA/../GRN", "-TEA", ".hidden", "TÉA", "9" * 41, ""]
)
def test_a_sku_that_cannot_go_into_a_url_as_is_is_refused_by_the_model(sku):
    with pytest.raises(ValidationError) as refused:
        Product(sku=sku, name="Green", price=Decimal("6.00")).full_clean()
    assert "sku" in refused.value.message_dict


def test_the_admin_refuses_creating_a_product_whose_sku_would_break_its_address(admin_client):
    response = admin_client.post(
        "/admin/carts/product/add/",
        {"sku": "TEA/GRN", "name": "Green", "price": "6.00", "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 200
    assert SKU_RULE.replace("'", "&#x27;") in response.content.decode()
    assert not Product.objects.filter(name="Green").exists()


def test_the_admin_edits_a_legacy_product_but_never_changes_a_sku(admin_client):
    product = legacy_product("TEA/GRN")
    url = f"/admin/carts/product/{product.pk}/change/"
    assert admin_client.get("/admin/carts/product/").status_code == 200
    assert admin_client.get(url).status_code == 200
    changed = admin_client.post(
        url,
        {"sku": "TEA-NEW", "name": "Legacy green", "price": "7.00", "currency": "EUR"},
    )
    assert changed.status_code == 302
    product.refresh_from_db()
    assert (product.sku, product.price, product.active) == ("TEA/GRN", Decimal("7.00"), False)


def test_the_database_check_names_every_stored_sku_that_breaks_the_pattern(catalog):
    legacy_product("TEA/GRN")
    warnings = check_stored_skus(databases=["default"])
    assert [(w.id, w.obj) for w in warnings] == [("carts.W001", "Product 'TEA/GRN'")]


@pytest.mark.parametrize("sku", LEGACY_SKUS)
def test_a_legacy_sku_leaves_every_page_that_shows_it_working(
    sku, catalog, admin_client, project_everything
):
    legacy_product(sku)
    added = admin_client.post("/cart/add/", {"sku": sku, "quantity": "1", "next": "/"})
    assert added.status_code == 303
    cart_id = admin_client.session[CART_KEY]
    project_everything()
    pages = [
        "/",
        f"/?q={quote(sku)}",
        f"/products/{quote(sku)}/",
        "/cart/",
        "/carts/",
        f"/carts/{cart_id}/history/",
        "/admin/carts/product/",
        "/admin/eventstore/event/",
        "/admin/projections/cartsummary/",
        f"/admin/carts/cart/{cart_id}/timeline/",
        "/admin/projections/analytics/removals/",
        "/api/read-models/product-activity/",
        f"/api/carts/{cart_id}/",
    ]
    answers = {page: admin_client.get(page).status_code for page in pages}
    assert answers == dict.fromkeys(pages, 200)


def test_a_product_whose_sku_no_url_can_hold_is_listed_without_a_link(client, catalog):
    legacy_product("")
    response = client.get("/")
    assert response.status_code == 200
    assert "Legacy green</h2>" in response.content.decode()


@pytest.mark.parametrize("sku", LEGACY_SKUS)
def test_a_legacy_line_can_be_changed_and_removed_in_the_shop(sku, catalog, event_count):
    legacy_product(sku)
    client = Client()
    client.post("/cart/add/", {"sku": sku, "quantity": "1"})
    cart_id = client.session[CART_KEY]
    lines = f"/cart/{cart_id}/lines/{quote(sku)}"
    assert client.get("/cart/").status_code == 200
    assert client.post(f"{lines}/quantity/", {"quantity": "3"}).status_code == 303
    assert repository.load(UUID(cart_id)).lines[sku].quantity == 3
    assert client.post(f"{lines}/remove/").status_code == 303
    assert sku not in repository.load(UUID(cart_id)).lines
    assert event_count(f"cart-{cart_id}") == 4


@pytest.mark.parametrize("sku", [*LEGACY_SKUS, "TEA/../GRN"])
@pytest.mark.parametrize("encode", [quote, lambda sku: quote(sku, safe="")])
def test_a_legacy_line_can_be_changed_and_removed_through_the_api(sku, encode, catalog):
    # Sent with "/" as is or as %2F: the server decodes both to the stored SKU.
    legacy_product(sku)
    api = token_client(User.objects.create_user("erp"))
    cart_id = api.post("/api/carts/", {}, format="json").json()["id"]
    added = api.post(f"/api/carts/{cart_id}/items/", {"sku": sku, "quantity": 1}, format="json")
    assert added.status_code == 200, added.content
    line = f"/api/carts/{cart_id}/items/{encode(sku)}/"
    changed = api.put(line, {"quantity": 4}, format="json")
    assert changed.status_code == 200, changed.content
    assert [(x["sku"], x["quantity"]) for x in changed.json()["lines"]] == [(sku, 4)]
    removed = api.delete(line)
    assert removed.status_code == 200, removed.content
    assert removed.json()["lines"] == []


@pytest.mark.parametrize("look_alike", ["tea-ear", "Tea-Ear", "tEA-eAR"])
def test_a_sku_differing_only_in_case_from_a_stored_one_is_refused_by_the_model(look_alike):
    Product.objects.create(sku="TEA-EAR", name="Earl grey", price=Decimal("7.90"))
    with pytest.raises(ValidationError, match="SKUs are unique whatever their case"):
        Product(sku=look_alike, name="Look-alike", price=Decimal("1.00")).full_clean()
    assert Product.objects.count() == 1


def test_the_database_refuses_a_sku_differing_only_in_case():
    Product.objects.create(sku="TEA-EAR", name="Earl grey", price=Decimal("7.90"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(sku="tea-ear", name="Look-alike", price=Decimal("1.00"))
    assert list(Product.objects.values_list("sku", flat=True)) == ["TEA-EAR"]


def test_the_admin_refuses_a_look_alike_sku_with_a_clear_message(admin_client):
    Product.objects.create(sku="TEA-EAR", name="Earl grey", price=Decimal("7.90"))
    response = admin_client.post(
        "/admin/carts/product/add/",
        {"sku": "tea-ear", "name": "Look-alike", "price": "1.00", "currency": "EUR"},
    )
    assert response.status_code == 200
    assert "SKUs are unique whatever their case" in response.content.decode()
    assert not Product.objects.filter(name="Look-alike").exists()
