"""The cart body every command and cart read answers with equals the documented serializer's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.api.serializers import CartSerializer, cart_document
from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    CheckOut,
    CreateCart,
    GiveGoodwill,
    MergeCarts,
    RemoveDiscount,
)
from carts.application.handler import Context, handle

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
    yield handle(CheckOut(cart_id=new.id), Context.system(meta)).cart
    guest = handle(CreateCart(), Context.system(meta)).cart
    handle(AddItem(cart_id=guest.id, sku="USD-001", quantity=2), Context.system(meta))
    handle(ApplyDiscount(cart_id=guest.id, code="WELCOME10"), Context.system(meta))
    target = handle(CreateCart(owner_id="user:2"), Context.system(meta)).cart
    yield handle(
        MergeCarts(source_cart_id=guest.id, target_cart_id=target.id), Context.system(meta)
    ).cart
    yield handle(Abandon(cart_id=target.id, reason="idle"), Context.system(meta)).cart


def test_every_kind_of_cart_reads_exactly_as_the_serializer_has_it(catalog, meta):
    compared = 0
    for cart in _carts(meta):
        assert cart_document(cart) == CartSerializer(cart).data
        compared += 1
    assert compared == 7
