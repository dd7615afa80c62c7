"""Every refusal the shop can show is worded for a shopper: no ids, versions or store words."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from carts.domain import errors
from carts.domain.events import CartMergedFrom, LeftLine, MergedDiscount, MergedLine
from carts.web.wording import merge_notes, shop_message

CART = uuid.uuid4()
TECHNICAL_MESSAGE = (
    f"cart {CART} is at version 4, not 3 (stream cart-{CART}, expected version 3); its events"
    " reached projection checkpoint 0:12; idempotency key reused by guest:0123abcd"
)
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STORE_WORDS = (
    "version",
    "stream",
    "event",
    "projection",
    "checkpoint",
    "idempotency",
    "expected",
    "snapshot",
    "guest:",
    "user:",
)


def _every_error_class(cls: type[errors.CartError] = errors.CartError):
    yield cls
    for subclass in cls.__subclasses__():
        yield from _every_error_class(subclass)


ERROR_CLASSES = sorted(set(_every_error_class()), key=lambda cls: cls.__name__)


def _is_for_a_shopper(message: str) -> bool:
    lowered = message.lower()
    return (
        not UUID_PATTERN.search(lowered)
        and not any(word in lowered for word in STORE_WORDS)
        and not re.search(r"\b[34]\b", message)
    )


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_no_shop_message_carries_ids_versions_or_event_store_words(error_class):
    # Errors that carry a value beside their message get one; the message is what is tested.
    extra = {
        errors.CartNotYetCreated: {"created_at": datetime.now(UTC)},
        errors.InvalidCheckoutDetails: {"field": "email"},
    }.get(error_class, {})
    message = shop_message(error_class(TECHNICAL_MESSAGE, **extra))

    assert _is_for_a_shopper(message), message
    assert message[:1].isupper() and message.endswith(".")


def test_a_rule_worded_plainly_by_the_cart_is_shown_in_its_words():
    refused = errors.EmptyCart("an empty cart cannot be checked out; add an item first")

    assert shop_message(refused) == "An empty cart cannot be checked out; add an item first."


def test_what_a_log_in_merge_did_is_told_without_ids():
    outcome = CartMergedFrom(
        source_cart_id=CART,
        lines=(MergedLine("TEA", "Green tea", Decimal("4.50"), "EUR", 2),),
        left=(LeftLine("SPOON", "Spoon", 1, "currency"),),
        discount=MergedDiscount("WELCOME10", "percent", Decimal("10"), left_reason="has_discount"),
    )

    notes = merge_notes(outcome)

    assert notes[0] == "2 item(s) from before you logged in are now in your cart."
    assert (
        "1 × Spoon stayed in your guest cart: it is priced in another currency than your cart."
        in notes
    )
    assert notes[-1] == (
        "Discount code WELCOME10 was not carried over: your cart already has a discount."
    )
    assert all(_is_for_a_shopper(note) for note in notes)
