"""Form fields of the filter sets that refuse a value matching nothing, instead of answering an
empty list: a currency that is no ISO 4217 code, an unknown stream type, a malformed stream id.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError

from carts.domain.money import check_currency
from eventstore.registry import registry

# For the OpenAPI document: the shapes these fields accept.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
STREAM_ID_PATTERN = (
    r"^[a-z0-9_]+-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class CurrencyField(forms.CharField):
    """An ISO 4217 code, checked as opening a cart checks it: 400 ``invalid_currency``."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return check_currency(value)
        except ValueError as exc:
            raise ValidationError(f"{exc}.", code="invalid_currency") from None


def stream_types() -> set[str]:
    """The stream types of the registered event types (``cart`` for ``cart.ItemAdded``)."""
    return {name.split(".", 1)[0] for name in registry.names()}


class StreamTypeField(forms.CharField):
    """A stream type the store knows; anything else would match no event, silently."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        known = stream_types()
        if value not in self.empty_values and value not in known:
            raise ValidationError(
                f"Unknown stream type {value!r}; known types: {', '.join(sorted(known))}."
            )
        return value


class StreamIdField(forms.CharField):
    """A stream id, ``<stream type>-<uuid>`` (e.g. ``cart-0b6f7c36-...``), in canonical form."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.empty_values:
            return value
        stream_type, _, rest = str(value).partition("-")
        try:
            if stream_type in stream_types():
                return f"{stream_type}-{UUID(rest)}"
        except ValueError:
            pass
        raise ValidationError(
            f"Malformed stream id {value!r}: send <stream type>-<uuid>, e.g."
            f" cart-0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a11 (stream types:"
            f" {', '.join(sorted(stream_types()))})."
        )
