"""The catalog: ordinary, editable models. Carts themselves are event streams, not rows."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.deconstruct import deconstructible

from carts.domain.money import MAX_AMOUNT
from carts.domain.plain_text import hidden_character
from carts.domain.values import DiscountKind
from carts.skus import SKU_MAX_LENGTH, SKU_RULE, sku_validator

_currency = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as EUR.")


@deconstructible
class PlainTextValidator:
    """Catalog text is copied into cart events, kept for good: plain text only
    (carts.domain.plain_text), line breaks where ``line_breaks`` (a description)."""

    def __init__(self, *, line_breaks: bool = False) -> None:
        self.line_breaks = line_breaks

    def __call__(self, value: str) -> None:
        char = hidden_character(value, line_breaks=self.line_breaks)
        if char is not None:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise ValidationError(
                f"Holds an invisible or control character ({name}); type the text again"
                " without it.",
                code="hidden_character",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainTextValidator) and other.line_breaks == self.line_breaks

    def __hash__(self) -> int:
        return hash(self.line_breaks)


_plain_text = PlainTextValidator()
_plain_paragraphs = PlainTextValidator(line_breaks=True)


AMOUNT_TOO_LARGE = f"Enter at most {MAX_AMOUNT:,}, the most a cart may hold."


class AmountField(models.DecimalField):
    """An amount of money of a cart (at most MAX_AMOUNT, in cents): its forms name the maximum
    when refusing too large a value, instead of the column's count of digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def formfield(self, **kwargs: Any) -> forms.Field | None:  # type: ignore[override]
        # DecimalField.formfield takes keywords only (the stubs give Field's signature).
        too_large = dict.fromkeys(("max_value", "max_digits", "max_whole_digits"), AMOUNT_TOO_LARGE)
        kwargs["error_messages"] = {**too_large, **kwargs.get("error_messages", {})}
        kwargs.setdefault("max_value", MAX_AMOUNT)
        return super().formfield(**kwargs)

    def deconstruct(self) -> Any:
        # Stored as the plain DecimalField it is: the class only words its forms' errors.
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs


class Product(models.Model):
    """A product on offer. Its price is copied into the cart's events when added."""

    # Validated where a product is created (admin, full_clean); rows stored before the rule may
    # break it, and everything that shows or routes a SKU copes with them (carts.skus).
    sku = models.CharField(
        max_length=SKU_MAX_LENGTH, unique=True, validators=[sku_validator], help_text=SKU_RULE
    )
    name = models.CharField(max_length=200, validators=[_plain_text])
    description = models.TextField(blank=True, validators=[_plain_paragraphs])
    # At most MAX_AMOUNT, the most any amount of a cart may be: a price above it could never
    # be bought (one unit's line total would already exceed it).
    price = AmountField(
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_AMOUNT)],
        help_text=f"At most {MAX_AMOUNT:,}; a cart's total may not exceed it either.",
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[_currency])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(price__lte=MAX_AMOUNT), name="product_price_lte_max_amount"
            ),
            # SKUs that differ only in case (TEA-EAR, tea-ear) look alike to shoppers and staff.
            models.UniqueConstraint(
                Upper("sku"),
                name="product_sku_upper_uniq",
                violation_error_message=(
                    "A product with this SKU in other letter case already exists; "
                    "SKUs are unique whatever their case. Choose another SKU."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class DiscountCode(models.Model):
    """A code a shopper can type in: a percentage or a fixed amount off."""

    PERCENT, AMOUNT = DiscountKind.PERCENT.value, DiscountKind.AMOUNT.value
    KINDS = [(PERCENT, "Percent off"), (AMOUNT, "Amount off")]

    code = models.CharField(max_length=40, unique=True, validators=[_plain_text])
    description = models.CharField(max_length=200, blank=True, validators=[_plain_text])
    kind = models.CharField(max_length=10, choices=KINDS, default=PERCENT)
    value = AmountField(
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)],
    )
    currency = models.CharField(max_length=3, blank=True, help_text="Only for amount-off codes.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CartPermission(models.Model):
    """Holds the permissions about carts, which are event streams and have no table.

    No table of its own either (unmanaged, never queried): Django keeps a permission with a
    model, and ``carts.act_on_cart`` belongs to the carts, not to any read model of them.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("act_on_cart", "Can abandon carts and give goodwill discounts")]

    def __str__(self) -> str:
        return "cart permissions"


class IdempotencyRecord(models.Model):
    """The first successful answer to an API command sent with an Idempotency-Key.

    A retry with the same key (by the same user) gets this answer again and writes nothing.
    The unique (user, key) constraint is what stops two concurrent duplicates from both running:
    the second insert waits for the first transaction and then fails.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class OrderNumber(models.Model):
    """An order number handed out at checkout, kept so that no two orders share one.

    Reserved before the checkout is decided (carts.application.order_numbers); the number an
    order carries is the one in its CartCheckedOut event. A reservation whose checkout was then
    refused stays unused.
    """

    number = models.CharField(max_length=16, primary_key=True)
    cart_id = models.UUIDField(db_index=True)
    reserved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class OrderConfirmation(models.Model):
    """Where the confirmation e-mail of one placed order stands (carts.tasks).

    The checkout's CartCheckedOut in the log is what asks for it; this row says it is settled
    (sent, nothing to send, or withheld) or when it is next due. The periodic sweep asks again
    for every checkout of the last ORDER_CONFIRMATION_SWEEP_HOURS that is not settled and is
    overdue: a task lost with the broker's queue, or never queued, is sent after all. No
    personal data: the address is read from the cart when the message is sent.
    """

    SENT, NOTHING, WITHHELD = "sent", "nothing to send", "withheld"

    cart_id = models.UUIDField(primary_key=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=500, blank=True, default="")

    def __str__(self) -> str:
        return f"confirmation of cart {self.cart_id}: {self.outcome or 'due'}"
