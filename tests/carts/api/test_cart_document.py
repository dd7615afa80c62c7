"""The cart body every command and cart read answers with equals the documented serializer's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.api.serializers import CartSerializer, cart_document
from carts.application import repository
from carts.application.catalog import line_offers
from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    CheckOut,
    CreateCart,
    GiveGoodwill,
    MergeCarts,
    ProvideCheckoutDetails,
    RemoveDiscount,
)
from carts.application.handler import Context, handle
from carts.models import Product
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


def _carts(meta):  # type: ignore[no-untyped-def]
    new = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart
    yield new
    full = handle(AddItem(cart_id=new.id, sku="TEA-001", quantity=3), Context.system(meta)).cart
    full = handle(AddItem(cart_id=new.id, sku="MUG-001", quantity=1), Context.system(meta)).cart
    yield full
    yield handle(ApplyDiscount(cart_id=new.id, code="WELCOME10"), Context.system(meta)).cart
    handle(RemoveDiscount(cart_id=new.id), Context.system(meta))
    yield handle(
        GiveGoodwill(cart_id=new.id, kind="percent", value=Decimal("33.33")), Context.system(meta)
    ).cart
    details = ProvideCheckoutDetails(cart_id=new.id, details=DETAILS)
    yield handle(details, Context.system(meta)).cart
    yield handle(CheckOut(cart_id=new.id), Context.system(meta)).cart
    guest = handle(CreateCart(), Context.system(meta)).cart
    handle(AddItem(cart_id=guest.id, sku="USD-001", quantity=2), Context.system(meta))
    handle(ApplyDiscount(cart_id=guest.id, code="WELCOME10"), Context.system(meta))
    target = handle(CreateCart(owner_id="user:2"), Context.system(meta)).cart
    yield handle(
        MergeCarts(source_cart_id=guest.id, target_cart_id=target.id), Context.system(meta)
    ).cart
    yield handle(Abandon(cart_id=target.id, reason="idle"), Context.system(meta)).cart
    # Units at two prices, a catalog price that moved on, a product no longer sold.
    mixed = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart
    handle(AddItem(cart_id=mixed.id, sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=mixed.id, sku="MUG-001", quantity=1), Context.system(meta))
    Product.objects.filter(sku="TEA-001").update(price=Decimal("5.25"))
    yield handle(AddItem(cart_id=mixed.id, sku="TEA-001", quantity=1), Context.system(meta)).cart
    Product.objects.filter(sku="TEA-001").update(price=Decimal("5.50"))
    Product.objects.filter(sku="MUG-001").update(active=False)
    yield repository.load(mixed.id)


def test_every_kind_of_cart_reads_exactly_as_the_serializer_has_it(catalog, meta):
    compared = 0
    for cart in _carts(meta):
        offers = line_offers(cart)
        assert cart_document(cart, offers) == CartSerializer(cart, context={"catalog": offers}).data
        compared += 1
    assert compared == 10


def test_each_line_says_its_prices_and_what_the_catalog_asks_now(catalog, meta):
    *_, mixed = _carts(meta)

    tea, mug = cart_document(mixed, line_offers(mixed))["lines"]

    assert tea["prices"] == [
        {"unit_price": "4.50", "quantity": 2, "total": "9.00"},
        {"unit_price": "5.25", "quantity": 1, "total": "5.25"},
    ]
    assert (tea["total"], tea["catalog_price"], tea["price_changed"]) == ("14.25", "5.50", True)
    assert (mug["available"], mug["price_changed"], mug["catalog_price"]) == (False, False, "12.00")
