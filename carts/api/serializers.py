"""The API's bodies: what commands accept (shape only, never rules), how carts and events look."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carts.api.checkout_serializers import (
    CheckoutDetailsSerializer,
    details_document,
    order_number_of,
)
from carts.api.fields import (
    RecordedAtField,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    StrictSerializer,
    StrictUUIDField,
)
from carts.application.catalog import LineOffer
from carts.domain.cart import Cart
from carts.domain.money import RECORDED_AMOUNT_DIGITS
from carts.domain.values import CartStatus, DiscountKind, Line
from eventstore.integrity import StreamIntegrity

# Amounts are at most MAX_AMOUNT (the cart refuses more); the fields hold every amount a cart
# ever recorded, those stored before the bound included, so that no cart fails to render.
AMOUNT_DIGITS = RECORDED_AMOUNT_DIGITS

# --- command input -----------------------------------------------------------------------------


class CartCreateInput(StrictSerializer):
    """Open a cart; every field is optional."""

    cart_id = StrictUUIDField(required=False, help_text="Choose the id yourself (e.g. your ERP's).")
    # No length limits here: the cart tells a malformed code (400 invalid_currency) from a
    # currency the shop does not sell (422 currency_not_sold).
    currency = StrictCharField(
        required=False,
        max_length=100,
        help_text=(
            "ISO 4217 code of a currency the shop sells (one its active products are priced"
            " in); else the first item's. 400 invalid_currency for a malformed code, 422"
            " currency_not_sold for one nothing is priced in."
        ),
    )
    owner_id = StrictCharField(
        required=False,
        max_length=100,
        help_text="Operators and integrations only: the owner as 'user:<id>'. Defaults to you.",
    )


class AddItemInput(StrictSerializer):
    """Add units of a product at its current price."""

    sku = StrictCharField(max_length=40)
    quantity = StrictIntegerField(help_text="Units to add; the line may hold 1 to 99.")


class ChangeQuantityInput(StrictSerializer):
    """Set a line's quantity."""

    quantity = StrictIntegerField(help_text="The line's new quantity, 1 to 99.")


class UpdateLinePriceInput(StrictSerializer):
    """Accept the catalog's current price for every unit of a line."""

    unit_price = StrictDecimalField(
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
        help_text="The line's catalog_price as the cart document showed it, e.g. '12.00'; "
        "refused with 409 price_changed if the catalog asks another price by now.",
    )


class ApplyDiscountInput(StrictSerializer):
    """Apply a discount code."""

    code = StrictCharField(max_length=40)


class AbandonInput(StrictSerializer):
    """Close a cart nobody will check out."""

    reason = StrictCharField(required=False, max_length=200, allow_blank=True)


class EmptyInput(StrictSerializer):
    """No fields: the command needs none."""


# --- carts -------------------------------------------------------------------------------------


class PriceTierSerializer(serializers.Serializer):
    """Units of a line held at one unit price."""

    unit_price = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    quantity = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)


class LineSerializer(serializers.Serializer):
    """One line of a cart: units keep the price they were added at."""

    sku = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.DecimalField(
        max_digits=AMOUNT_DIGITS, decimal_places=2, help_text="The price of the units added last."
    )
    quantity = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    prices = PriceTierSerializer(
        many=True, help_text="Every unit of the line by the price it is held at, oldest first."
    )
    catalog_price = serializers.DecimalField(
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
        allow_null=True,
        help_text="What the catalog asks now; null when the product is no longer listed.",
    )
    price_changed = serializers.BooleanField(
        help_text="Some units are held at another price than catalog_price; accept it with "
        "PUT items/<sku>/price/."
    )
    available = serializers.BooleanField(
        help_text="False when the product is no longer sold: the line may be lowered or "
        "removed, not raised, and the cart cannot be checked out until it is removed."
    )


class DiscountSerializer(serializers.Serializer):
    """The discount on a cart."""

    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(DiscountKind))
    value = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    currency = serializers.CharField(allow_blank=True)


class CartSerializer(serializers.Serializer):
    """A cart as its events make it: lines, totals, status and version.

    Every amount (unit price, line total, subtotal, discount, total) is at most 99999999.99
    (carts.domain.money.MAX_AMOUNT); a command that would exceed it answers 422
    amount_out_of_range and writes nothing.
    """

    id = serializers.UUIDField()
    version = serializers.IntegerField(help_text="Also the ETag; send it back in If-Match.")
    status = serializers.ChoiceField(choices=list(CartStatus))
    owner_id = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    lines = serializers.SerializerMethodField()
    line_count = serializers.IntegerField()
    units = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    discount = serializers.SerializerMethodField()
    discount_amount = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    total = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)
    merged_into = serializers.UUIDField(allow_null=True)
    order_number = serializers.SerializerMethodField()
    checkout_details = serializers.SerializerMethodField()

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, cart: Cart) -> list[dict[str, Any]]:
        catalog = self.context["catalog"]
        return [
            LineSerializer(_line_fields(line, catalog[line.sku])).data
            for line in cart.lines.values()
        ]

    @extend_schema_field(DiscountSerializer(allow_null=True))
    def get_discount(self, cart: Cart) -> dict[str, Any] | None:
        return DiscountSerializer(cart.discount).data if cart.discount else None

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The order number to quote (e.g. K7M2-9QPD) once checked out; null before.",
        )
    )
    def get_order_number(self, cart: Cart) -> str | None:
        return order_number_of(cart)

    @extend_schema_field(CheckoutDetailsSerializer(allow_null=True))
    def get_checkout_details(self, cart: Cart) -> dict[str, Any] | None:
        fields = details_document(cart.details)
        return None if fields is None else CheckoutDetailsSerializer(fields).data


class IntegritySerializer(serializers.Serializer):
    """Whether the cart's stored history passed every integrity check when it was read."""

    status = serializers.ChoiceField(
        choices=["intact", "broken"], help_text="Also the X-Integrity response header."
    )
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="What failed, in plain words; empty if intact."
    )


class CartReadSerializer(CartSerializer):
    """A cart as a query answers it: the cart, and whether its history passed verification."""

    integrity = IntegritySerializer()


def integrity_document(integrity: StreamIntegrity) -> dict[str, Any]:
    """What IntegritySerializer gives for a stream's integrity."""
    return {"status": integrity.status, "problems": list(integrity.problems)}


def cart_document(cart: Cart, catalog: Mapping[str, LineOffer]) -> dict[str, Any]:
    """What CartSerializer gives for ``cart``, built directly; ``catalog`` is what the catalog
    says now of each line (catalog.line_offers).

    Every command and cart read answers with it. DRF builds and deep-copies some thirty field
    objects per cart it serialises, which cost about a tenth of an add-item request; the
    serializer stays the documented shape (the OpenAPI schema) and a test holds the two equal.
    """
    discount = cart.discount
    return {
        "id": str(cart.id),
        "version": cart.version,
        "status": cart.status,
        "owner_id": cart.owner_id,
        "currency": cart.currency,
        "lines": [_line_document(line, catalog[line.sku]) for line in cart.lines.values()],
        "line_count": cart.line_count,
        "units": cart.units,
        "subtotal": _amount(cart.subtotal),
        "discount": None
        if discount is None
        else {
            "code": discount.code,
            "kind": discount.kind,
            "value": _amount(discount.value),
            "currency": discount.currency,
        },
        "discount_amount": _amount(cart.discount_amount),
        "total": _amount(cart.total),
        "merged_into": None if cart.merged_into is None else str(cart.merged_into),
        "order_number": order_number_of(cart),
        "checkout_details": details_document(cart.details),
    }


def _line_fields(line: Line, offer: LineOffer) -> dict[str, Any]:
    """A line and what the catalog says of it now, as LineSerializer's fields."""
    return {
        "sku": line.sku,
        "name": line.name,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "total": line.total,
        "prices": [
            {"unit_price": tier.unit_price, "quantity": tier.quantity, "total": tier.total}
            for tier in line.tiers
        ],
        "catalog_price": offer.catalog_price,
        "price_changed": offer.price_changed,
        "available": offer.available,
    }


def _line_document(line: Line, offer: LineOffer) -> dict[str, Any]:
    fields = _line_fields(line, offer)
    for amount in ("unit_price", "total", "catalog_price"):
        fields[amount] = None if fields[amount] is None else _amount(fields[amount])
    for tier in fields["prices"]:
        tier["unit_price"], tier["total"] = _amount(tier["unit_price"]), _amount(tier["total"])
    return fields


_AMOUNT = serializers.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2)


def _amount(value: Any) -> str:
    # The very field CartSerializer uses, so rounding and format cannot drift from it.
    return str(_AMOUNT.to_representation(value))


# --- events ------------------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    """One recorded event, with the checkpoint that resumes the feed just after it."""

    position = serializers.IntegerField()
    checkpoint = serializers.CharField()
    event_id = serializers.UUIDField()
    stream_id = serializers.CharField()
    stream_type = serializers.CharField()
    version = serializers.IntegerField()
    event_type = serializers.CharField()
    schema_version = serializers.IntegerField()
    # Declared fields leave Serializer.data alone (the metaclass takes them off the class).
    data = serializers.DictField(source="payload")  # type: ignore[assignment]
    metadata = serializers.DictField()
    recorded_at = RecordedAtField()


class FeedPageSerializer(serializers.Serializer):
    """A page of the global event feed."""

    events = EventSerializer(many=True)
    checkpoint = serializers.CharField(
        help_text="Keep it; pass it as ?after= to resume just after this page (0:0 before the"
        " first event)."
    )
    has_more = serializers.BooleanField(help_text="True when more events may follow right away.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the shape of every error."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable code naming the rule or problem.")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages, for invalid input.",
    )
    created_at = serializers.DateTimeField(
        required=False,
        help_text="With not_yet_created: when the cart was created (UTC, to the microsecond).",
    )
