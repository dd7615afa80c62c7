"""One example of every cart event, with every kind of field the codec handles filled in."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from carts.domain import events

CART = UUID("6f1c1f5e-0000-4000-8000-000000000001")
GUEST_CART = UUID("6f1c1f5e-0000-4000-8000-000000000002")

EXAMPLES: list[object] = [
    events.CartCreated(cart_id=CART, owner_id="user:7", currency="EUR"),
    events.ItemAdded(
        sku="TEA-001", name="Assam", unit_price=Decimal("3.75"), currency="EUR", quantity=2
    ),
    events.ItemQuantityChanged(sku="TEA-001", quantity=5, previous_quantity=2),
    events.ItemQuantityChanged(
        sku="TEA-001", quantity=6, previous_quantity=5, unit_price=Decimal("4.75")
    ),
    events.LineRepriced(
        sku="TEA-001",
        unit_price=Decimal("4.75"),
        quantity=6,
        previous=(
            events.PricedUnits(Decimal("4.50"), 5),
            events.PricedUnits(Decimal("4.75"), 1),
        ),
    ),
    events.ItemRemoved(sku="TEA-001", quantity=5),
    events.DiscountApplied(code="FIVE", kind="amount", value=Decimal("5.00"), currency="EUR"),
    events.DiscountRemoved(code="FIVE"),
    events.CheckoutDetailsProvided(
        email="ada@example.com",
        full_name="Ada Lovelace",
        address_line1="12 St James's Square",
        address_line2="Flat 2",
        city="London",
        postal_code="SW1Y 4JH",
        country="GB",
    ),
    events.CartCheckedOut(
        lines=(
            events.ChargedLine(
                sku="MUG-001",
                name="Mug",
                unit_price=Decimal("12.00"),
                quantity=2,
                line_total=Decimal("24.00"),
            ),
            events.ChargedLine(
                sku="TEA-002",
                name="Sencha",
                unit_price=Decimal("0.10"),
                quantity=3,
                line_total=Decimal("0.30"),
            ),
        ),
        subtotal=Decimal("24.30"),
        discount=Decimal("2.43"),
        total=Decimal("21.87"),
        currency="EUR",
    ),
    events.CartAbandoned(reason="idle for 30 days"),
    events.CartMergedFrom(
        source_cart_id=GUEST_CART,
        lines=(
            events.MergedLine(
                sku="TEA-001", name="Assam", unit_price=Decimal("3.75"), currency="EUR", quantity=1
            ),
        ),
    ),
    events.CartMergedInto(target_cart_id=CART),
    events.CartMergedInto(
        target_cart_id=CART,
        lines=(),
        left=(events.LeftLine(sku="USD-001", name="Spoon", quantity=2, reason="currency"),),
        discount=events.MergedDiscount(
            code="WELCOME10", kind="percent", value=Decimal("10.00"), left_reason="nothing_moved"
        ),
    ),
]
