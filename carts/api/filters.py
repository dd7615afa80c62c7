"""django-filter filter sets for the event feed and the read models."""

from __future__ import annotations

import django_filters

from eventstore.models import Event


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
    recorded_after = django_filters.IsoDateTimeFilter(
        field_name="recorded_at", lookup_expr="gte", help_text="Recorded at or after (ISO 8601)."
    )
    recorded_before = django_filters.IsoDateTimeFilter(
        field_name="recorded_at", lookup_expr="lt", help_text="Recorded before (ISO 8601)."
    )

    class Meta:
        model = Event
        fields: list[str] = []

    @property
    def narrows(self) -> bool:
        """Whether any filter was given (else every event matches and no query is needed)."""
        return any(value not in (None, "", []) for value in self.form.cleaned_data.values())
