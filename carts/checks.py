"""The shop's system checks: stored data that breaks a rule made after it was written."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections

from carts.models import Product
from carts.skus import SKU_PATTERN, is_valid_sku


@checks.register(checks.Tags.database)
def check_stored_skus(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """``manage.py check --database default`` (and ``migrate``) name the products whose SKU
    does not follow the pattern: they still work, but should be retired for a product with a
    valid SKU.
    """
    found = []
    for alias in databases or ():
        if alias != DEFAULT_DB_ALIAS or Product._meta.db_table not in _tables(alias):
            continue
        skus = Product.objects.using(alias).values_list("sku", flat=True)
        found += [
            checks.Warning(
                f"product SKU {sku!r} does not follow the SKU pattern {SKU_PATTERN}",
                hint="Its pages and cart lines still work; create the product again under a"
                " valid SKU and make this one inactive.",
                obj=f"Product {sku!r}",
                id="carts.W001",
            )
            for sku in skus
            if not is_valid_sku(sku)
        ]
    return found


def _tables(alias: str) -> list[str]:
    return connections[alias].introspection.table_names()
