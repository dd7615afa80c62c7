"""The stored names, schema versions and upcasters of the cart's events."""

from __future__ import annotations

from typing import Any

from carts.domain import events
from eventstore.registry import registry

ITEM_ADDED_SCHEMA = 2


def item_added_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 of cart.ItemAdded stored ``price`` and no product name; 2 has ``unit_price``
    and ``name``. Events written before names were captured show their SKU as the name."""
    upgraded = {key: value for key, value in payload.items() if key != "price"}
    upgraded["unit_price"] = payload["price"]
    upgraded.setdefault("name", payload["sku"])
    return upgraded


def register_all() -> None:
    """Register every cart event under its stable name ``cart.<ClassName>``."""
    for cls in events.CART_EVENTS:
        if cls is events.ItemAdded:
            registry.register(
                "cart.ItemAdded",
                cls,
                schema_version=ITEM_ADDED_SCHEMA,
                upcasters={1: item_added_v1_to_v2},
            )
        else:
            registry.register(f"cart.{cls.__name__}", cls)
