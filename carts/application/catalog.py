"""The catalog as cart commands see it: a product's current offer, a discount code's terms.

Prices are read here when units are added, and copied into the cart's event: those units keep
that price. The current offers of a cart's SKUs are read again to tell the shopper where the
catalog's price moved on or a product is no longer sold (``offers``), never to reprice units
without the shopper accepting it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from carts.domain import errors
from carts.domain.cart import Cart
from carts.domain.values import Discount, ProductOffer, sold_in
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
    return _offer(sku, *row)


def offers(skus: Iterable[str]) -> dict[str, ProductOffer]:
    """The current offers for ``skus`` in one query; a SKU the catalog no longer lists is
    absent from the answer (its lines are unavailable)."""
    wanted = list(skus)
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(wanted))
        cursor.execute(f"SELECT sku, {_COLUMNS} FROM {_TABLE} WHERE sku IN ({marks})", wanted)
        return {row[0]: _offer(*row) for row in cursor.fetchall()}


@dataclass(frozen=True)
class LineOffer:
    """What the catalog says now about a cart line, for the shopper to see.

    ``catalog_price`` is the price the catalog asks now (None: the product is no longer
    listed, or is priced in another currency than the cart); ``available`` whether it is still
    sold in the cart's currency (a line that is not blocks checkout);
    ``price_changed`` whether some unit of the line is held at another price than the catalog's
    and the shopper may accept the catalog's (UpdateLinePrice).
    """

    catalog_price: Decimal | None
    available: bool
    price_changed: bool


def line_offers(cart: Cart | None) -> dict[str, LineOffer]:
    """Per SKU of ``cart``, what the catalog says of its line now (one query)."""
    if cart is None or not cart.lines:
        return {}
    listed = offers(cart.lines)
    found: dict[str, LineOffer] = {}
    for sku, line in cart.lines.items():
        offer = listed.get(sku)
        sold = sold_in(offer, cart.currency)
        # A price in another currency than the cart's is no price for this line.
        price = offer.unit_price if offer and offer.currency == cart.currency else None
        changed = sold and price is not None and line.differs_from(price)
        found[sku] = LineOffer(catalog_price=price, available=sold, price_changed=changed)
    return found


def _offer(sku: str, name: str, price: Any, currency: str, active: Any) -> ProductOffer:
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


_TABLE = Product._meta.db_table
_COLUMNS = "name, price, currency, active"
_OFFER_SQL = f"SELECT {_COLUMNS} FROM {_TABLE} WHERE sku = %s"
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
