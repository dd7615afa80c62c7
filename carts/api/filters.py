"""django-filter filter sets for the event feed and the read models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from eventstore.models import Event


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


class EventFeedFilter(django_filters.FilterSet):
    """What an integration may narrow the event feed to."""

    event_type = CharInFilter(
        field_name="event_type",
        help_text="One or more types, comma-separated, e.g. cart.ItemAdded,cart.CartCheckedOut",
    )
    stream_id = django_filters.CharFilter(help_text="One stream, e.g. cart-<uuid>.")
    stream_type = django_filters.CharFilter(help_text="e.g. cart")
    actor = django_filters.CharFilter(
        field_name="metadata__actor", help_text="Who wrote it, e.g. user:2 or system."
    )
    recorded_after = UtcDateTimeFilter(
        field_name="recorded_at", lookup_expr="gte", help_text="Recorded at or after (ISO 8601)."
    )
    recorded_before = UtcDateTimeFilter(
        field_name="recorded_at", lookup_expr="lt", help_text="Recorded before (ISO 8601)."
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def is_valid(self) -> bool:
        """Valid, and no filter given with an empty value (a client bug, not 'no filter')."""
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and not self.data.get(name):
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid

    @property
    def narrows(self) -> bool:
        """Whether any filter was given (else every event matches and no query is needed)."""
        return any(value not in (None, "", []) for value in self.form.cleaned_data.values())
