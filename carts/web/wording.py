"""What the shop says to a shopper: refusals and what a log-in merge did, in a shopper's words.

A shopper never sees a cart's id, a version number or the event store's vocabulary: those stay
in the API's problem documents and the admin. Refusals whose domain message is technical get a
wording of their own; the others say the rule in the domain's own words, unless a message turns
out technical after all (a rule added later), when the kind of refusal speaks for it.
"""

from __future__ import annotations

import re

from carts.application.timeline import left_reason
from carts.domain import errors
from carts.domain.events import CartMergedFrom

YOUR_CART = "your cart"

_WORDING: dict[type[errors.CartError], str] = {
    errors.CartNotFound: "We could not find that cart.",
    errors.CartAlreadyExists: "That cart is open already; reload the page to see it.",
    errors.UnknownOwner: "That account does not exist.",
    errors.CartNotOpen: (
        "This cart is closed (bought, abandoned or merged) and can no longer change; your next"
        " item starts a new cart."
    ),
    errors.StaleVersion: (
        "Your cart changed in another window since you looked at it; check it and try again."
    ),
    errors.ConcurrentModification: "Your cart was busy with other changes; please try again.",
    errors.CartIntegrityFailed: "This cart cannot be changed any more; please contact us.",
}

_BY_KIND = {
    "not_found": "We could not find that.",
    "conflict": "Your cart cannot do that right now; reload it and try again.",
    "precondition_failed": "Your cart changed since you looked at it; check it and try again.",
}
_UNPROCESSABLE = "That could not be done; check what you entered and try again."

TECHNICAL = re.compile(
    r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"  # an id
    r"|\b(?:guest|user):"  # an owner id
    r"|\b(?:versions?|streams?|events?|projections?|snapshots?|checkpoints?|idempoten\w*"
    r"|aggregates?|upcasters?|correlation|causation|expected version)\b",
    re.IGNORECASE,
)
"""What a shopper's message never carries: ids and the event store's words."""


def shop_message(error: errors.CartError) -> str:
    """The sentence a shopper sees for a refused command (nothing was written)."""
    for cls in type(error).__mro__:
        if cls in _WORDING:
            return _WORDING[cls]
    message = sentence(error.message)
    if TECHNICAL.search(message):
        return _BY_KIND.get(error.kind, _UNPROCESSABLE)
    return message


def merge_notes(outcome: CartMergedFrom) -> list[str]:
    """What a shopper is told after log-in about their guest cart: what moved, what stayed."""
    notes = []
    units = sum(line.quantity for line in outcome.lines)
    if units:
        notes.append(f"{units} item(s) from before you logged in are now in your cart.")
    discount = outcome.discount
    if discount is not None and not discount.left_reason:
        notes.append(f"Discount code {discount.code} came along.")
    for line in outcome.left:
        reason = left_reason(line.reason, cart=YOUR_CART)
        notes.append(f"{line.quantity} × {line.name} stayed in your guest cart: {reason}.")
    if outcome.left:
        notes.append(
            "Your guest cart stays your current cart, so you can still buy what stayed; your"
            " account's cart is under My carts."
        )
    if discount is not None and discount.left_reason:
        reason = left_reason(discount.left_reason, cart=YOUR_CART)
        notes.append(f"Discount code {discount.code} was not carried over: {reason}.")
    return notes


def detail_problem(error: errors.InvalidCheckoutDetails, label: str) -> str:
    """Why a checkout detail was refused, with the field called by its ``label`` ("Full name is
    required for checkout.") rather than its name in the data."""
    message = error.message
    if label and message.startswith(f"{error.field} "):
        message = label + message[len(error.field) :]
    return sentence(message)


def sentence(message: str) -> str:
    """``message`` as a sentence: a capital first letter and a full stop."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
