"""Products at the highest price the catalog accepts, and carts stored before amounts were bounded.

Shared by the tests of every path (domain, API, shop, admin, projections) that try extreme prices
and quantities.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from uuid import UUID

from hypothesis import strategies as st

from carts.application import repository
from carts.domain.cart import Cart
from carts.domain.events import ItemAdded
from carts.domain.money import MAX_AMOUNT
from carts.models import Product
from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM

TOP, ALSO_TOP, CENT = "TOP-001", "TOP-002", "CENT-001"

PRICES = st.one_of(
    st.sampled_from([Decimal("0.00"), Decimal("0.01"), MAX_AMOUNT, MAX_AMOUNT / 2]),
    st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2),
)
QUANTITIES = st.sampled_from([1, 2, 49, 98, 99])


def extreme_products() -> dict[str, Product]:
    """Two products at MAX_AMOUNT and one at a cent, in EUR."""
    Product.objects.bulk_create(
        [
            Product(sku=TOP, name="Most expensive", price=MAX_AMOUNT, currency="EUR"),
            Product(sku=ALSO_TOP, name="Also expensive", price=MAX_AMOUNT, currency="EUR"),
            Product(sku=CENT, name="One cent", price=Decimal("0.01"), currency="EUR"),
        ]
    )
    return {p.sku: p for p in Product.objects.filter(sku__in=[TOP, ALSO_TOP, CENT])}


def priced(sku: str, price: Decimal) -> None:
    """Set a product's price, as staff would."""
    Product.objects.filter(sku=sku).update(price=price)


def legacy_cart(owner_id: str, *lines: tuple[str, int]) -> UUID:
    """A cart stored before amounts were bounded: ``lines`` of (sku, units) at MAX_AMOUNT each,
    so its subtotal is beyond the range. Written as the shop wrote it then, without its rules."""
    cart = Cart.create(uuid.uuid4(), owner_id=owner_id)
    for sku, quantity in lines:
        # Recorded without the rules that now refuse it: they did not exist then.
        cart._record(
            ItemAdded(sku=sku, name=sku, unit_price=MAX_AMOUNT, currency="EUR", quantity=quantity)
        )
    metadata = Metadata(actor=owner_id or "system", source="api", correlation_id="legacy")
    repository.save(cart, expected_version=NO_STREAM, metadata=metadata)
    return cart.id
