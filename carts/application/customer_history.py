"""A cart's history as its shopper sees it: the one place that decides what is customer-facing.

The admin's audit timeline (``carts.application.timeline``) shows staff everything an event
records. A shopper's history shows, per step, only:

- when (``recorded_at``) and which step (``version``);
- what happened, in the shopper's words (``summary``): products by name, never a SKU alone;
  "closed" without the reason staff or the idle-cart task wrote (an internal note); the
  goodwill discount as the shop's discount, not by its internal code; no cart ids;
- who, as a kind (``by``): "you" for the cart's owner, the guest whose cart it is or any of the
  reading person's own identities (a guest cart merged at log-in), "the shop" for everyone
  else (staff, operators, integrations, the system), never a username;
- how, for the shopper's own changes only (``via``): the shop's pages or the API;
- the cart before and after, and what changed in its lines (the same as staff see);
- whether the step's personal values were erased with their person (``erased``): checkout
  details say only where the order goes (city and country), never the name, street or e-mail.

Left out on purpose: actor ids and usernames, the source of the shop's own changes, command
names, correlation and causation ids, event types, abandon reasons. A template renders these
steps and nothing else, so it cannot show a staff-only field by mistake.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carts.application.access import GUEST_PREFIX
from carts.application.handler import GOODWILL_CODE
from carts.application.timeline import (
    CartView,
    LineChange,
    Timeline,
    describe,
    details_erased,
    merge_details,
)
from carts.domain import events as ev
from carts.domain.values import DiscountKind

YOU, THE_SHOP = "you", "the shop"
# Only the shopper's own channels are named; how the shop acted on a cart is its own business.
_CHANNELS = {"ui": "the shop", "api": "the API"}


@dataclass(frozen=True)
class CustomerStep:
    """One step of a cart's history with only its customer-facing fields."""

    version: int
    recorded_at: datetime
    summary: str
    by: str
    via: str
    before: CartView
    after: CartView
    changes: tuple[LineChange, ...]
    erased: bool = False  # personal values of this step were erased with their person

    @property
    def totals_changed(self) -> bool:
        return (self.before.subtotal, self.before.discount, self.before.total) != (
            self.after.subtotal,
            self.after.discount,
            self.after.total,
        )


def customer_history(
    timeline: Timeline, reader_ids: Collection[str] = frozenset()
) -> list[CustomerStep]:
    """Every step of ``timeline`` (read once by ``cart_timeline``) as the cart's shopper sees it;
    ``reader_ids`` are the reading person's own identities (access.Person.owner_ids)."""
    yours = {timeline.cart.owner_id, *reader_ids} - {""}
    steps = []
    for step in timeline:
        by, via = customer_actor(step.event.metadata, yours)
        steps.append(
            CustomerStep(
                version=step.event.version,
                recorded_at=step.event.recorded_at,
                summary=customer_summary(step.event.data, step.before),
                by=by,
                via=via,
                before=step.before,
                after=step.after,
                changes=step.changes,
                erased=isinstance(step.event.data, ev.CheckoutDetailsProvided)
                and details_erased(step.event.data),
            )
        )
    return steps


def customer_actor(metadata: Mapping[str, Any], yours: Collection[str]) -> tuple[str, str]:
    """Who made a change and through what, as the cart's shopper may read it: ("you", channel)
    or ("the shop", "").

    ``yours`` are the owner ids that are the reader: the cart's owner and the reading person's
    own identities (their user id and session guest id), so a guest cart merged at log-in says
    the reader merged it, although the merge ran as their account. A guest actor is always the
    cart's own guest: a guest may act on no other cart.
    """
    actor = str(metadata.get("actor", ""))
    if actor and (actor in yours or actor.startswith(GUEST_PREFIX)):
        return YOU, _CHANNELS.get(str(metadata.get("source", "")), "")
    return THE_SHOP, ""


def customer_summary(event: Any, before: CartView) -> str:
    """One plain sentence saying what ``event`` did to a cart that stood as ``before``."""
    names = {line.sku: line.name for line in before.lines}
    match event:
        case ev.CartCreated():
            return "Cart created"
        case ev.ItemQuantityChanged(sku=sku, previous_quantity=was, quantity=now):
            return f"Changed the quantity of {names.get(sku, sku)} from {was} to {now}"
        case ev.LineRepriced(sku=sku, unit_price=price, quantity=qty):
            return f"Updated {names.get(sku, sku)} to the shop's new price: {qty} × {price}"
        case ev.ItemRemoved(sku=sku, quantity=qty):
            return f"Removed {names.get(sku, sku)} ({qty} unit{'s' if qty != 1 else ''})"
        case ev.DiscountApplied(code=code, kind=DiscountKind.PERCENT, value=value) if (
            code == GOODWILL_CODE
        ):
            return f"The shop gave a discount ({value.normalize():f}% off)"
        case ev.DiscountApplied(code=code, value=value, currency=cur) if code == GOODWILL_CODE:
            return f"The shop gave a discount ({value} {cur} off)"
        case ev.DiscountRemoved(code=code) if code == GOODWILL_CODE:
            return "The shop’s discount was taken off"
        case ev.CartAbandoned():
            return "Cart closed without checkout"
        case ev.CartMergedInto(lines=lines, left=left, discount=discount) if left:
            moved = f"Gave {len(lines)} line(s) to your account’s cart when you logged in"
            return moved + merge_details(left, discount)
        case ev.CartMergedInto(discount=discount):
            return "Moved into your account’s cart when you logged in" + merge_details((), discount)
    return describe(event)
