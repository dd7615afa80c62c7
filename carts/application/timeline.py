"""A cart's history as steps: each event with the cart before and after it, and what changed.

The shop's history page and the admin's audit timeline both read this. It replays the stream
once, so every "after" is exactly what loading the cart at that version gives. A step's summary
never holds a personal value but the city an order goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from carts.application import repository
from carts.application.checkout_details import country_name, is_erased
from carts.domain import events as ev
from carts.domain.cart import Cart, Line
from carts.domain.money import MAX_AMOUNT
from carts.domain.rules import MAX_LINES, MAX_QUANTITY
from carts.domain.values import DiscountKind, MergeLeft
from eventstore.store import RecordedEvent


@dataclass(frozen=True)
class CartView:
    """The cart as it stood at one version, ready to display or serialise."""

    version: int
    status: str
    currency: str
    lines: tuple[Line, ...]
    discount_code: str
    subtotal: Decimal
    discount: Decimal
    total: Decimal

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @classmethod
    def of(cls, cart: Cart) -> CartView:
        return cls(
            version=cart.version,
            status=cart.status,
            currency=cart.currency,
            lines=tuple(cart.lines.values()),
            discount_code=cart.discount.code if cart.discount else "",
            subtotal=cart.subtotal,
            discount=cart.discount_amount,
            total=cart.total,
        )


@dataclass(frozen=True)
class LineChange:
    """How one line differs between two versions: added, removed or changed."""

    sku: str
    name: str
    kind: str
    quantity_before: int
    quantity_after: int
    unit_price_before: Decimal | None
    unit_price_after: Decimal | None


@dataclass(frozen=True)
class TimelineStep:
    """One event, the cart before and after it, and the difference."""

    event: RecordedEvent
    before: CartView
    after: CartView
    changes: tuple[LineChange, ...]
    summary: str

    @property
    def totals_changed(self) -> bool:
        return (self.before.subtotal, self.before.discount, self.before.total) != (
            self.after.subtotal,
            self.after.discount,
            self.after.total,
        )


class Timeline(list[TimelineStep]):
    """Every step of one cart, in order, and the cart as its last event left it (``cart``)."""

    cart: Cart

    @property
    def events(self) -> list[RecordedEvent]:
        return [step.event for step in self]


def cart_timeline(cart_id: UUID) -> Timeline:
    """Every event of the cart as a step, from one read. Raises CartNotFound for an unknown cart."""
    cart = Cart(cart_id)
    before = CartView.of(cart)
    steps = Timeline()
    for event in repository.history(cart_id):
        cart.apply(event.data)
        after = CartView.of(cart)
        steps.append(
            TimelineStep(
                event=event,
                before=before,
                after=after,
                changes=line_changes(before, after),
                summary=describe(event.data),
            )
        )
        before = after
    steps.cart = cart
    return steps


def line_changes(before: CartView, after: CartView) -> tuple[LineChange, ...]:
    """The lines added, removed or changed (quantity or price) from ``before`` to ``after``."""
    old = {line.sku: line for line in before.lines}
    new = {line.sku: line for line in after.lines}
    changes = []
    for sku in [*old, *(s for s in new if s not in old)]:
        was, now = old.get(sku), new.get(sku)
        if was == now:
            continue
        kind = "added" if was is None else "removed" if now is None else "changed"
        changes.append(
            LineChange(
                sku=sku,
                name=(now or was).name,  # type: ignore[union-attr]
                kind=kind,
                quantity_before=was.quantity if was else 0,
                quantity_after=now.quantity if now else 0,
                unit_price_before=was.unit_price if was else None,
                unit_price_after=now.unit_price if now else None,
            )
        )
    return tuple(changes)


def describe(event: Any) -> str:
    """One plain sentence saying what an event did."""
    match event:
        case ev.CartCreated(owner_id=owner):
            return "Cart created" if owner else "Cart created for a guest"
        case ev.ItemAdded(quantity=qty, name=name, unit_price=price, currency=cur):
            return f"Added {qty} × {name} at {price} {cur}"
        case ev.ItemQuantityChanged(sku=sku, previous_quantity=was, quantity=now):
            return f"Changed quantity of {sku} from {was} to {now}"
        case ev.ItemRemoved(sku=sku, quantity=qty):
            return f"Removed {sku} ({qty} units)"
        case ev.LineRepriced(sku=sku, unit_price=price, quantity=qty):
            return f"Accepted the new price of {sku}: {qty} units now at {price}"
        case ev.DiscountApplied(code=code, kind=DiscountKind.PERCENT, value=value):
            return f"Applied discount {code} ({value.normalize():f}% off)"
        case ev.DiscountApplied(code=code, value=value, currency=cur):
            return f"Applied discount {code} ({value} {cur} off)"
        case ev.DiscountRemoved(code=code):
            return f"Removed discount {code}"
        case ev.CheckoutDetailsProvided(city=city, country=country):
            return f"Checkout details given: delivery to {delivery_place(city, country)}"
        case ev.CartCheckedOut(total=total, currency=cur, order_number=number) if number:
            return f"Checked out as order {number}, charged {total} {cur}"
        case ev.CartCheckedOut(total=total, currency=cur):
            return f"Checked out, charged {total} {cur}"
        case ev.CartAbandoned(reason=reason):
            return f"Abandoned: {reason}"
        case ev.CartMergedFrom(lines=lines, left=left, discount=discount):
            return f"Merged {len(lines)} line(s) from a guest cart" + merge_details(left, discount)
        case ev.CartMergedInto(lines=lines, left=left, discount=discount) if left:
            moved = f"Gave {len(lines)} line(s) to the shopper's cart at log-in"
            return moved + merge_details(left, discount)
        case ev.CartMergedInto(discount=discount):
            return "Merged into the shopper's cart at log-in" + merge_details((), discount)
    return type(event).__name__


def delivery_place(city: str, country: str) -> str:
    """Where an order goes, as a list may show it: the city and the country's name, never the
    street, the name or the e-mail. A city erased with its person is left out ("erased" is
    for the page to show, as it shows it for any personal value)."""
    place = country_name(country)
    return place if is_erased(city) or not city else f"{city}, {place}"


def details_erased(event: ev.CheckoutDetailsProvided) -> bool:
    """Whether the personal values of ``event`` read as erased (their person was forgotten)."""
    return any(is_erased(getattr(event, name)) for name in event.personal_fields)


def left_reason(reason: str, *, cart: str = "the shopper's cart") -> str:
    """Why a merge left something behind (a values.MergeLeft code), in a shopper's words;
    ``cart`` names the cart it would have gone into."""
    return _LEFT_REASONS.get(reason, "it could not be carried over").format(cart=cart)


_LEFT_REASONS: dict[str, str] = {
    MergeLeft.CURRENCY: "it is priced in another currency than {cart}",
    MergeLeft.QUANTITY_LIMIT: f"a line holds at most {MAX_QUANTITY} units",
    MergeLeft.LINE_LIMIT: f"a cart holds at most {MAX_LINES} different products",
    MergeLeft.AMOUNT_LIMIT: f"a cart's total stays within {MAX_AMOUNT:,}",
    MergeLeft.NOT_OFFERED: "the code is no longer offered",
    MergeLeft.HAS_DISCOUNT: "{cart} already has a discount",
    MergeLeft.NOTHING_MOVED: "it stays with the items it was applied to",
}


def merge_details(left: tuple[ev.LeftLine, ...], discount: ev.MergedDiscount | None) -> str:
    """What else a merge event says: the discount that went along, what stayed and why."""
    parts = []
    if discount is not None and not discount.left_reason:
        parts.append(f"discount {discount.code} went along")
    for line in left:
        parts.append(f"{line.quantity} × {line.name} stayed ({left_reason(line.reason)})")
    if discount is not None and discount.left_reason:
        parts.append(f"discount {discount.code} stayed ({left_reason(discount.left_reason)})")
    return "; " + "; ".join(parts) if parts else ""
