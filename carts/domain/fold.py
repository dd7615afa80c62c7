"""What a cart is after its events: its state, its totals, and one method per event that
assigns it (no checks, no clock, no I/O: replay runs them again for every event in a cart's
history). The rules that decide which events a command records live in ``cart.Cart``, built on
this.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from carts.domain import snapshot
from carts.domain.events import (
    CartAbandoned,
    CartCheckedOut,
    CartCreated,
    CartMergedFrom,
    CartMergedInto,
    ChargedLine,
    CheckoutDetailsProvided,
    DiscountApplied,
    DiscountRemoved,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    LineRepriced,
    MergedDiscount,
)
from carts.domain.lines import repriced, with_units, without_newest, without_units_at
from carts.domain.rules import discount_off
from carts.domain.values import CartStatus, CheckoutDetails, Discount, Line

SNAPSHOT_SCHEMA = snapshot.SCHEMA

OPEN, CHECKED_OUT, ABANDONED, MERGED = CartStatus


class CartFold:
    """A cart's state, folded from its events one ``apply`` at a time."""

    def __init__(self, cart_id: UUID) -> None:
        self.id = cart_id
        self.version = 0
        self.status: str = OPEN
        self.owner_id = ""
        self.created_currency = ""
        self.line_currency = ""
        self.lines: dict[str, Line] = {}
        self.discount: Discount | None = None
        self.merged_into: UUID | None = None
        # Personal data: never put in a snapshot (see to_snapshot).
        self.details: CheckoutDetails | None = None
        self.details_version = 0
        self.order_number = ""

    # --- reading ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def currency(self) -> str:
        if self.lines:
            return self.line_currency
        if self.discount is not None and self.discount.currency:
            return self.discount.currency
        return self.created_currency

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines.values())

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines.values()), Decimal("0.00"))

    @property
    def discount_amount(self) -> Decimal:
        return discount_off(self.discount, self.subtotal)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_amount

    @property
    def charged_lines(self) -> tuple[ChargedLine, ...]:
        """Every unit held, as a checkout charges it: one ChargedLine per price of a line."""
        return tuple(
            ChargedLine(
                sku=line.sku,
                name=line.name,
                unit_price=tier.unit_price,
                quantity=tier.quantity,
                line_total=tier.total,
            )
            for line in self.lines.values()
            for tier in line.tiers
        )

    # --- applying events ----------------------------------------------------------------

    def apply(self, event: Any) -> None:
        """Change state as the event says: assignment only, never a check."""
        self.version += 1
        handler = _HANDLERS[type(event)]
        handler(self, event)

    def _when_created(self, event: CartCreated) -> None:
        self.owner_id = event.owner_id
        self.created_currency = event.currency

    def _when_item_added(self, event: ItemAdded) -> None:
        sku = event.sku
        self.lines[sku] = with_units(
            self.lines.get(sku),
            sku,
            event.name,
            event.unit_price,
            event.quantity,
            reprice=event.reprices_line,
        )
        self.line_currency = event.currency

    def _when_quantity_changed(self, event: ItemQuantityChanged) -> None:
        line = self.lines[event.sku]
        change = event.quantity - line.quantity
        if change > 0:
            price = line.unit_price if event.unit_price is None else event.unit_price
            self.lines[event.sku] = with_units(
                line, line.sku, line.name, price, change, reprice=False
            )
        else:
            self.lines[event.sku] = without_newest(line, -change)

    def _when_line_repriced(self, event: LineRepriced) -> None:
        self.lines[event.sku] = repriced(self.lines[event.sku], event.unit_price)

    def _when_item_removed(self, event: ItemRemoved) -> None:
        del self.lines[event.sku]

    def _when_discount_applied(self, event: DiscountApplied) -> None:
        self.discount = Discount(
            code=event.code, kind=event.kind, value=event.value, currency=event.currency
        )

    def _when_discount_removed(self, event: DiscountRemoved) -> None:
        self.discount = None

    def _when_details_provided(self, event: CheckoutDetailsProvided) -> None:
        self.details_version = self.version
        self.details = CheckoutDetails(**vars(event))

    def _when_checked_out(self, event: CartCheckedOut) -> None:
        self.status = CHECKED_OUT
        self.order_number = event.order_number

    def _when_abandoned(self, event: CartAbandoned) -> None:
        self.status = ABANDONED

    def _when_merged_from(self, event: CartMergedFrom) -> None:
        for line in event.lines:
            self.lines[line.sku] = with_units(
                self.lines.get(line.sku),
                line.sku,
                line.name,
                line.unit_price,
                line.quantity,
                reprice=event.reprices_lines,
            )
            self.line_currency = line.currency
        if event.discount is not None and not event.discount.left_reason:
            self.discount = _discount_of(event.discount)

    def _when_merged_into(self, event: CartMergedInto) -> None:
        self.merged_into = event.target_cart_id
        if not event.left:
            self.status = MERGED
            return
        # Something stayed: the cart stays open with only what did not move.
        for line in event.lines:
            kept = without_units_at(self.lines[line.sku], line.unit_price, line.quantity)
            if kept is None:
                del self.lines[line.sku]
            else:
                self.lines[line.sku] = kept
        if event.discount is not None and not event.discount.left_reason:
            self.discount = None

    # --- snapshots ----------------------------------------------------------------------

    def is_checkout_of(self, version: int) -> bool:
        """Whether this cart was checked out right after ``version`` (a repeated checkout of the
        version that was bought, not a decision on a cart that moved on). A checkout that gave
        its details recorded them just before it, after the same version."""
        if self.status != CHECKED_OUT:
            return False
        return self.version == version + 1 or (
            self.version == version + 2 and self.details_version == version + 1
        )

    @property
    def may_snapshot(self) -> bool:
        """Whether a snapshot may hold this state: not once it holds personal data, which lives
        only in its (encrypted) events, so that forgetting a person leaves no copy behind. Such
        a cart is read from its last snapshot before the details, plus the newer events."""
        return self.details is None and not self.order_number

    def to_snapshot(self) -> dict[str, Any]:
        """The state as plain JSON-ready data (schema SNAPSHOT_SCHEMA); see may_snapshot."""
        return snapshot.dump(
            snapshot.CartState(
                version=self.version,
                status=self.status,
                owner_id=self.owner_id,
                created_currency=self.created_currency,
                line_currency=self.line_currency,
                lines=self.lines,
                discount=self.discount,
                merged_into=self.merged_into,
            )
        )

    @classmethod
    def from_snapshot(cls, cart_id: UUID, data: dict[str, Any]) -> Any:
        """The cart as a snapshot taken with ``to_snapshot`` left it."""
        state = snapshot.load(data)
        cart = cls(cart_id)
        cart.version, cart.status, cart.owner_id = state.version, state.status, state.owner_id
        cart.created_currency, cart.line_currency = state.created_currency, state.line_currency
        cart.lines, cart.discount, cart.merged_into = state.lines, state.discount, state.merged_into
        return cart


def _discount_of(merged: MergedDiscount) -> Discount:
    return Discount(
        code=merged.code, kind=merged.kind, value=merged.value, currency=merged.currency
    )


_HANDLERS: dict[type, Any] = {
    CartCreated: CartFold._when_created,
    ItemAdded: CartFold._when_item_added,
    ItemQuantityChanged: CartFold._when_quantity_changed,
    ItemRemoved: CartFold._when_item_removed,
    LineRepriced: CartFold._when_line_repriced,
    DiscountApplied: CartFold._when_discount_applied,
    DiscountRemoved: CartFold._when_discount_removed,
    CheckoutDetailsProvided: CartFold._when_details_provided,
    CartCheckedOut: CartFold._when_checked_out,
    CartAbandoned: CartFold._when_abandoned,
    CartMergedFrom: CartFold._when_merged_from,
    CartMergedInto: CartFold._when_merged_into,
}
