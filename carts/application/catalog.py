"""The catalog as cart commands see it: a product's current offer, a discount code's terms.

Prices are read here once, when an item is added, and copied into the cart's event; they are
never looked up again for that line.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from carts.domain import errors
from carts.domain.values import Discount, ProductOffer
from carts.models import DiscountCode, Product


def offer(sku: str) -> ProductOffer:
    """What the catalog offers for ``sku`` now. Raises UnknownProduct for an unknown SKU."""
    # A plain indexed query: adding items is the commonest command, and the ORM's compilation
    # of this look-up cost several times what the database took to answer it.
    with connection.cursor() as cursor:
        cursor.execute(_OFFER_SQL, [sku])
        row = cursor.fetchone()
    if row is None:
        raise errors.UnknownProduct(f"there is no product with SKU {sku!r}")
    name, price, currency, active = row
    # SQLite hands decimals back as floats; exact for prices of 10 digits, once quantised.
    if not isinstance(price, Decimal):
        price = Decimal(str(price))
    return ProductOffer(
        sku=sku,
        name=name,
        unit_price=price.quantize(_CENT),
        currency=currency,
        active=bool(active),
    )


_OFFER_SQL = f"SELECT name, price, currency, active FROM {Product._meta.db_table} WHERE sku = %s"
_CENT = Decimal(1).scaleb(-Product._meta.get_field("price").decimal_places)  # type: ignore[union-attr]


def discount(code: str) -> Discount:
    """The terms of an active discount code (any case). Raises UnknownDiscountCode otherwise."""
    found = DiscountCode.objects.filter(code__iexact=code.strip(), active=True).first()
    if found is None:
        raise errors.UnknownDiscountCode(f"discount code {code!r} is not valid")
    return Discount(code=found.code, kind=found.kind, value=found.value, currency=found.currency)


def sold_currencies() -> frozenset[str]:
    """The currencies the shop sells: those its active products are priced in."""
    return frozenset(
        Product.objects.filter(active=True).values_list("currency", flat=True).distinct()
    )


def sells_in(currency: str) -> bool:
    """Whether a cart in ``currency`` can still be filled: "" (its first item decides) or a
    currency an active product is priced in."""
    return not currency or currency in sold_currencies()
