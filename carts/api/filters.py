"""django-filter filter sets for the event feed and the read models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from carts.api.filter_fields import (
    CURRENCY_PATTERN,
    STREAM_ID_PATTERN,
    CurrencyField,
    StreamIdField,
    StreamTypeField,
)
from carts.domain.values import CartStatus
from carts.models import Product
from eventstore.models import Event
from eventstore.registry import registry
from projections.models import CartSummary, DailyFunnel, ProductActivity


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, turned into UTC (PostgreSQL refuses offsets beyond +-15:59)."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("This moment is out of range.", code="overflow") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Filter on a moment given in any offset; compared in UTC."""

    field_class = UtcDateTimeField


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """A comma-separated list of strings: any of them matches."""


@extend_schema_field({"type": "string", "pattern": CURRENCY_PATTERN})
class CurrencyFilter(django_filters.CharFilter):
    """Rows in one currency; a code that is not one (``usd``, ``EURO``) is refused."""

    field_class = CurrencyField


@extend_schema_field(OpenApiTypes.STR)
class StreamTypeFilter(django_filters.CharFilter):
    """Events of one stream type the store knows."""

    field_class = StreamTypeField


@extend_schema_field({"type": "string", "pattern": STREAM_ID_PATTERN})
class StreamIdFilter(django_filters.CharFilter):
    """Events of one stream, named ``<stream type>-<uuid>``."""

    field_class = StreamIdField


class TotalOrderingFilter(django_filters.OrderingFilter):
    """An ordering that is always total: the row's unique key ends it, in the direction of the
    last key asked for.

    Sorting by a column many rows share (status, units) leaves their order to the database,
    which may differ from one query to the next (PostgreSQL does): numbered pages would then
    repeat some rows and never show others.
    """

    def __init__(self, *args: Any, unique: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unique = unique

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs  # the view's default ordering, total too
        ordering = [self.get_ordering_value(param) for param in value if param]
        direction = "-" if ordering and ordering[-1].startswith("-") else ""
        return qs.order_by(*ordering, direction + self.unique)


# The lookups of a filter bounding its column from below, and from above.
LOWER_BOUNDS = frozenset({"gte", "gt"})
UPPER_BOUNDS = frozenset({"lte", "lt"})
# How the refusal of a lower bound beyond its upper one begins (each bound is valid alone).
INVERTED_RANGE = "The range is inverted"


class StrictFilterSet(django_filters.FilterSet):
    """A filter set that refuses a filter given empty (a client bug, not 'no filter'), and a
    range whose lower bound lies beyond its upper one (day_from after day_to, price_min over
    price_max), which no row could match. Equal bounds are a range too."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and not self.data.get(name):
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return self._refuse_inverted_ranges() and valid

    @classmethod
    def bound_pairs(cls) -> list[tuple[str, str]]:
        """Every (lower, upper) pair of filters bounding the same column, found from their
        lookups, so a range added later is checked without being declared here."""
        filters = cls.base_filters.items()
        return [
            (low, high)
            for low, lower in filters
            if lower.lookup_expr in LOWER_BOUNDS
            for high, upper in filters
            if upper.lookup_expr in UPPER_BOUNDS and upper.field_name == lower.field_name
        ]

    def _refuse_inverted_ranges(self) -> bool:
        cleaned = getattr(self.form, "cleaned_data", {})
        inverted = [
            (low, high)
            for low, high in self.bound_pairs()
            if cleaned.get(low) is not None
            and cleaned.get(high) is not None
            and cleaned[low] > cleaned[high]
        ]
        for low, high in inverted:
            message = (
                f"{INVERTED_RANGE}: {low}={self.data[low]} lies beyond"
                f" {high}={self.data[high]}, so no row could match; give {low} at most {high}."
            )
            for name in (low, high):
                self.form.add_error(name, message)
        return not inverted


class EventFeedFilter(StrictFilterSet):
    """What an integration may narrow the event feed to."""

    event_type = CharInFilter(
        field_name="event_type",
        help_text="One or more types, comma-separated, e.g. cart.ItemAdded,cart.CartCheckedOut",
    )
    stream_id = StreamIdFilter(help_text="One stream, e.g. cart-<uuid>.")
    stream_type = StreamTypeFilter(help_text="e.g. cart")
    actor = django_filters.CharFilter(
        field_name="metadata__actor", help_text="Who wrote it, e.g. user:2 or system."
    )
    recorded_after = UtcDateTimeFilter(
        field_name="recorded_at",
        lookup_expr="gte",
        help_text="Recorded at or after (ISO 8601); not after recorded_before.",
    )
    recorded_before = UtcDateTimeFilter(
        field_name="recorded_at", lookup_expr="lt", help_text="Recorded before (ISO 8601)."
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def is_valid(self) -> bool:
        """Also refuses event types the store does not know: a misspelt type would match no
        event, and a consumer would page through the whole log seeing nothing."""
        valid = super().is_valid()
        known = set(registry.names())
        unknown = [
            name for name in self.form.cleaned_data.get("event_type") or [] if name not in known
        ]
        if unknown:
            self.form.add_error(
                "event_type",
                ValidationError(
                    f"Unknown event type {', '.join(unknown)};"
                    f" known types: {', '.join(sorted(known))}.",
                    code="unknown_event_type",
                ),
            )
            return False
        return valid

    @property
    def narrows(self) -> bool:
        """Whether any filter was given (else every event matches and no query is needed)."""
        return any(value not in (None, "", []) for value in self.form.cleaned_data.values())


class CartSummaryFilter(StrictFilterSet):
    """Cart summaries by status, owner, currency, last activity, total; search by cart id."""

    status = django_filters.MultipleChoiceFilter(
        choices=[(s.value, s.value) for s in CartStatus],
        help_text="One or more statuses (repeat the parameter).",
    )
    owner_id = django_filters.CharFilter(help_text="e.g. user:2")
    currency = CurrencyFilter(help_text="ISO 4217 code, e.g. EUR")
    updated_after = UtcDateTimeFilter(
        field_name="last_activity_at",
        lookup_expr="gte",
        help_text="Last activity at or after; not after updated_before.",
    )
    updated_before = UtcDateTimeFilter(
        field_name="last_activity_at", lookup_expr="lt", help_text="Last activity before."
    )
    total_min = django_filters.NumberFilter(
        field_name="total", lookup_expr="gte", help_text="Total at least; at most total_max."
    )
    total_max = django_filters.NumberFilter(field_name="total", lookup_expr="lte")
    search = django_filters.CharFilter(
        field_name="cart_id",
        lookup_expr="istartswith",
        max_length=36,
        help_text="The cart id or its beginning, e.g. 0b6f7c36",
    )
    ordering = TotalOrderingFilter(
        fields=["last_activity_at", "created_at", "total", "units", "status"],
        unique="cart_id",
        help_text="Sort keys, comma-separated, '-' for descending; default -last_activity_at."
        " The cart id breaks ties, so pages never repeat or skip a cart.",
    )

    class Meta:
        model = CartSummary
        fields: list[str] = []


class ProductActivityFilter(StrictFilterSet):
    """Product activity by SKU, sorted by what was bought or added."""

    sku = CharInFilter(field_name="sku", help_text="One or more SKUs, comma-separated.")
    ordering = TotalOrderingFilter(
        fields=["sku", "units_purchased", "units_added", "revenue", "times_removed"],
        unique="sku",
        help_text="Sort keys, comma-separated, '-' for descending; default sku. The SKU breaks"
        " ties, so pages never repeat or skip a product.",
    )

    class Meta:
        model = ProductActivity
        fields: list[str] = []


class DailyFunnelFilter(StrictFilterSet):
    """The daily funnel over a range of days."""

    day_from = django_filters.DateFilter(
        field_name="day",
        lookup_expr="gte",
        help_text="From this day (YYYY-MM-DD); not after day_to.",
    )
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = DailyFunnel
        fields: list[str] = []


# The largest price a product can have (its column holds 10 digits, 2 after the point).
MAX_PRICE = Decimal("99999999.99")


class ProductFilter(StrictFilterSet):
    """The catalog by SKU, currency, availability and price; search in SKU, name, description."""

    sku = CharInFilter(field_name="sku", help_text="One or more SKUs, comma-separated.")
    currency = CurrencyFilter(help_text="ISO 4217 code, e.g. EUR")
    # A choice, not a BooleanFilter: that one reads anything but true/false as "no filter".
    available = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_available",
        help_text="true: on sale now; false: retired.",
    )
    price_min = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_PRICE,
        help_text="Price at least; at most price_max.",
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", min_value=0, max_value=MAX_PRICE
    )
    search = django_filters.CharFilter(
        method="search_text", max_length=100, help_text="Part of the SKU, name or description."
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_available(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(active=value == "true")

    def search_text(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(
            Q(sku__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
        )


class CartListFilter(StrictFilterSet):
    """The carts a person may read, by status, currency and last activity."""

    status = django_filters.MultipleChoiceFilter(
        choices=[(s.value, s.value) for s in CartStatus],
        help_text="One or more statuses (repeat the parameter).",
    )
    currency = CurrencyFilter(help_text="ISO 4217 code, e.g. EUR")
    updated_since = UtcDateTimeFilter(
        field_name="last_activity_at", lookup_expr="gte", help_text="Last activity at or after."
    )

    class Meta:
        model = CartSummary
        fields: list[str] = []
