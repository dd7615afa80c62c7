"""The cart body every command and cart read answers with equals the documented serializer's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.api.serializers import CartSerializer, cart_document
from carts.application import services

pytestmark = pytest.mark.django_db


def _carts(meta):  # type: ignore[no-untyped-def]
    new = services.cart_create(context=meta, owner_id="user:1").cart
    yield new
    full = services.cart_add_item(cart_id=new.id, sku="TEA-001", quantity=3, context=meta).cart
    full = services.cart_add_item(cart_id=new.id, sku="MUG-001", quantity=1, context=meta).cart
    yield full
    yield services.cart_apply_discount(cart_id=new.id, code="WELCOME10", context=meta).cart
    services.cart_remove_discount(cart_id=new.id, context=meta)
    yield services.cart_apply_goodwill_discount(
        cart_id=new.id, kind="percent", value=Decimal("33.33"), context=meta
    ).cart
    yield services.cart_check_out(cart_id=new.id, context=meta).cart
    guest = services.cart_create(context=meta).cart
    services.cart_add_item(cart_id=guest.id, sku="USD-001", quantity=2, context=meta)
    services.cart_apply_discount(cart_id=guest.id, code="WELCOME10", context=meta)
    target = services.cart_create(context=meta, owner_id="user:2").cart
    yield services.cart_merge(source_cart_id=guest.id, target_cart_id=target.id, context=meta).cart
    yield services.cart_abandon(cart_id=target.id, reason="idle", context=meta).cart


def test_every_kind_of_cart_reads_exactly_as_the_serializer_has_it(catalog, meta):
    compared = 0
    for cart in _carts(meta):
        assert cart_document(cart) == CartSerializer(cart).data
        compared += 1
    assert compared == 7
