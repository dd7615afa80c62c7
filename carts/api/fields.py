"""Serializer fields that accept exactly the JSON type they document, and nothing coerced.

DRF's own fields are lenient (a CharField takes 42, an IntegerField takes "42", a UUIDField an
integer); an integration sending the wrong type has a bug it should hear about, and the OpenAPI
document promises these types.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carts.application.moments import Moment, moment_text, parse_moment


class StrictCharField(serializers.CharField):
    """A JSON string, never a number or boolean turned into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, booleans or fractions.

    A number written with a zero fraction (``2.0``, ``2e0``) is the integer it equals: JSON
    knows one kind of number, and JSON Schema, in which the OpenAPI document says "integer",
    counts it as an integer, so a client generating its body from the document may send it.
    """

    default_error_messages = {"invalid": "A JSON integer is required, e.g. 2."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$"}
)
class StrictDecimalField(serializers.DecimalField):
    """An amount written as a JSON string such as "9.99": exact, never a binary float."""

    default_error_messages = {"invalid": 'An amount as a JSON string is required, e.g. "9.99".'}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not _AMOUNT.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


_AMOUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


class StrictUUIDField(serializers.UUIDField):
    """A UUID written as a string."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentField(serializers.Field):
    """An ISO 8601 moment (UTC unless it carries an offset), kept with the precision it was
    written at: time travel picks the last event within that unit (carts.application.moments).
    """

    default_error_messages = {"invalid": "A moment such as 2026-03-01T10:15:42.130Z is required."}

    def to_internal_value(self, data: Any) -> Moment:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return parse_moment(data)
        except ValueError as problem:
            raise serializers.ValidationError(str(problem)) from None

    def to_representation(self, value: Moment) -> str:
        return value.start.isoformat()


class RecordedAtField(serializers.DateTimeField):
    """When an event was recorded: UTC to the microsecond, zeros included, so that the same text
    sent back as ``?as_of=`` selects that event (ISO 8601 would let ``.000000`` be dropped, which
    would name the whole second).
    """

    def to_representation(self, value: datetime) -> str:
        return moment_text(value)


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know, naming the ones it accepts."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            accepted = sorted(name for name, field in self.fields.items() if not field.read_only)
            unknown = sorted(str(name) for name in data if name not in accepted)
            if unknown:
                hint = ", ".join(accepted) if accepted else "none: send an empty object"
                raise serializers.ValidationError(
                    {name: [f"Unknown field. Accepted fields: {hint}."] for name in unknown}
                )
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter written in decimal digits only: DRF's IntegerField also takes
    ``1.0``, ``+1`` and `` 1 ``, which no integration means to send."""

    default_error_messages = {"invalid": "Whole number in decimal digits required, e.g. 2."}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not _DIGITS.fullmatch(data):
            self.fail("invalid")
        return int(super().to_internal_value(data))


_DIGITS = re.compile(r"[0-9]{1,30}")


class QueryParameters(serializers.Serializer):
    """Query parameters: one given empty is refused (a client bug), not read as 'not given'."""

    def to_internal_value(self, data: Any) -> Any:
        empty = [
            name
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        ]
        if empty:
            raise serializers.ValidationError(
                {name: ["Give a value, or leave the parameter out."] for name in empty}
            )
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false, never "yes", 1 or "true"."""

    default_error_messages = {"invalid": "A JSON boolean is required: true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
