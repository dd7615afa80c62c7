"""Turning frozen dataclass events into JSON payloads and back.

Written here rather than taken from a serialisation library because the needs are narrow and
on the replay hot path: a handful of types (Decimal, UUID, datetime, tuples, nested dataclasses),
decoders compiled once per class from its type hints, and no dependency for the domain layer.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

Decoder = Callable[[Any], Any]


def to_payload(value: Any) -> Any:
    """A JSON-ready form of an event or any value inside one."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_payload(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_payload(item) for item in value]
    if isinstance(value, dict):
        return {str(k): to_payload(v) for k, v in value.items()}
    return value


def from_payload(cls: type, payload: dict[str, Any]) -> Any:
    """Build an instance of the dataclass ``cls`` from its payload."""
    return _dataclass_decoder(cls)(payload)


def _identity(value: Any) -> Any:
    return value


@cache
def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    # None stands for "as stored": most fields are str or int, and skipping a call per field
    # matters on replay, which decodes every event of a stream.
    fields = [
        (f.name, None if decoder is _identity else decoder)
        for f in dataclasses.fields(cls)
        if f.init
        for decoder in [_decoder_for(hints[f.name])]
    ]

    def decode(payload: dict[str, Any]) -> Any:
        return cls(
            **{
                name: payload[name] if decode_field is None else decode_field(payload[name])
                for name, decode_field in fields
                if name in payload
            }
        )

    return decode


def _decoder_for(hint: Any) -> Decoder:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        decode_inner = _decoder_for(inner[0]) if len(inner) == 1 else _identity
        return lambda v: None if v is None else decode_inner(v)
    if origin is tuple:
        decode_item = _decoder_for(args[0]) if args else _identity
        return lambda v: tuple(decode_item(item) for item in v)
    if origin is not None:
        return _identity
    if hint in (Decimal, UUID):
        return hint  # type: ignore[no-any-return]
    if hint is datetime:
        return datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)
    return _identity
