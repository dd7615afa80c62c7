"""Turning frozen dataclass events into JSON payloads and back.

Encoding is written here: ``to_payload`` makes the dict that is hashed into the chain and
stored, so its output must never change for an existing event (see eventstore.hashing).

Decoding is msgspec's: it builds the dataclasses straight from the stored JSON text in C
(Decimal from its string, UUID, datetime, enums by value, tuples and nested dataclasses,
defaults for missing fields, unknown fields ignored), several times faster than ``json.loads``
followed by hand-written decoders, and replay and the global log spend most of their time
here. Event classes stay plain dataclasses (msgspec needs no base class or decorator), so the
domain layer knows nothing of it. A payload that does not fit its class (a wrong type, a
missing field without default) raises ``msgspec.ValidationError``, a ValueError.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID

import msgspec


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
    """Build an instance of the dataclass ``cls`` from a payload dict, as to_payload makes them."""
    return msgspec.convert(payload, cls)


def from_json(cls: type, text: str | bytes) -> Any:
    """Build an instance of the dataclass ``cls`` straight from its payload's JSON text."""
    return _decoder(cls).decode(text)


def parse_json(text: str | bytes) -> Any:
    """Plain JSON text as Python values (dicts, lists, str, numbers), as json.loads gives them."""
    return msgspec.json.decode(text)


@cache
def _decoder(cls: type) -> msgspec.json.Decoder[Any]:
    # Building a decoder inspects the class's type hints; one per class is kept for good.
    return msgspec.json.Decoder(type=cls)
