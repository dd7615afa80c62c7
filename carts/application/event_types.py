"""The stored names, schema versions and upcasters of the cart's events."""

from __future__ import annotations

from typing import Any

from carts.domain import events
from eventstore.registry import Upcaster, registry

ITEM_ADDED_SCHEMA = 3
ITEM_QUANTITY_CHANGED_SCHEMA = 2
CART_MERGED_FROM_SCHEMA = 2
CART_CHECKED_OUT_SCHEMA = 2


def item_added_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 of cart.ItemAdded stored ``price`` and no product name; 2 has ``unit_price``
    and ``name``. Events written before names were captured show their SKU as the name."""
    upgraded = {key: value for key, value in payload.items() if key != "price"}
    upgraded["unit_price"] = payload["price"]
    upgraded.setdefault("name", payload["sku"])
    return upgraded


def item_added_v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 meant "the whole line now costs ``unit_price``"; 3 prices only the units added.

    Old events keep their meaning (``reprices_line``), so old carts replay to the totals they
    showed and the charges they recorded.
    """
    return {**payload, "reprices_line": True}


def item_quantity_changed_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 prices the units a raise adds; 1 gave them the line's price (``None``)."""
    return {**payload, "unit_price": None}


def cart_merged_from_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 merged units set the whole line's price; 2 keeps each unit's own price."""
    return {**payload, "reprices_lines": True}


def cart_checked_out_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 carries the order number; orders of schema 1 had none (known by their cart)."""
    return {**payload, "order_number": ""}


_VERSIONED: dict[type, tuple[int, dict[int, Upcaster]]] = {
    events.ItemAdded: (ITEM_ADDED_SCHEMA, {1: item_added_v1_to_v2, 2: item_added_v2_to_v3}),
    events.ItemQuantityChanged: (
        ITEM_QUANTITY_CHANGED_SCHEMA,
        {1: item_quantity_changed_v1_to_v2},
    ),
    events.CartMergedFrom: (CART_MERGED_FROM_SCHEMA, {1: cart_merged_from_v1_to_v2}),
    events.CartCheckedOut: (CART_CHECKED_OUT_SCHEMA, {1: cart_checked_out_v1_to_v2}),
}


def register_all() -> None:
    """Register every cart event under its stable name ``cart.<ClassName>``."""
    for cls in events.CART_EVENTS:
        schema, upcasters = _VERSIONED.get(cls, (1, {}))
        registry.register(f"cart.{cls.__name__}", cls, schema_version=schema, upcasters=upcasters)
    for cls in events.CUSTOMER_EVENTS:
        registry.register(f"customer.{cls.__name__}", cls)
