"""The event type registry: stable names, schema versions and upcasters.

A stored event names its type (``cart.ItemAdded``) and the schema version it was written with.
When the shape of an event changes, its schema version goes up and an upcaster turns the old
stored payload into the new shape as it is read. Stored rows are never edited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from eventstore.codec import from_json, from_payload, parse_json, to_payload
from eventstore.errors import UnknownEventType

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


@dataclass(frozen=True)
class EventType:
    """One registered event type: its stored name, class, schema version and upcasters."""

    name: str
    cls: type
    schema_version: int = 1
    # upcasters[n] turns a payload of schema version n into one of version n + 1.
    upcasters: dict[int, Upcaster] = field(default_factory=dict)
    # The payload fields that hold personal data, stored encrypted (eventstore.personal): the
    # class declares them as ``personal_fields``.
    personal: tuple[str, ...] = ()

    def upcast(self, payload: Payload, stored_version: int) -> Payload:
        for version in range(stored_version, self.schema_version):
            try:
                payload = self.upcasters[version](payload)
            except KeyError:
                raise UnknownEventType(
                    f"{self.name}: no upcaster from schema version {version} to {version + 1}"
                ) from None
        return payload


class EventRegistry:
    """Maps stored event type names to classes, both ways."""

    def __init__(self) -> None:
        self._by_name: dict[str, EventType] = {}
        self._by_class: dict[type, EventType] = {}

    def register(
        self,
        name: str,
        cls: type,
        *,
        schema_version: int = 1,
        upcasters: dict[int, Upcaster] | None = None,
    ) -> None:
        """Register ``cls`` under ``name``; registering the same pair again changes nothing.

        Raises ValueError when the name or the class is already taken by another.
        """
        if not name or "." not in name:
            raise ValueError(f"event type name {name!r} should look like 'context.EventName'")
        existing = self._by_name.get(name)
        if existing is not None and existing.cls is not cls:
            raise ValueError(f"event type {name!r} is already registered for {existing.cls}")
        if cls in self._by_class and self._by_class[cls].name != name:
            raise ValueError(f"{cls} is already registered as {self._by_class[cls].name!r}")
        personal = tuple(getattr(cls, "personal_fields", ()))
        unknown = set(personal) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"{cls.__qualname__} declares unknown personal fields {unknown}")
        event_type = EventType(name, cls, schema_version, dict(upcasters or {}), personal)
        self._by_name[name] = event_type
        self._by_class[cls] = event_type

    def for_class(self, cls: type) -> EventType:
        """The registration of an event class; raises UnknownEventType if there is none."""
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventType(f"{cls.__qualname__} is not a registered event type") from None

    def encode(self, event: Any) -> tuple[str, int, Payload]:
        """The stored name, schema version and payload of a domain event."""
        event_type = self.for_class(type(event))
        return event_type.name, event_type.schema_version, to_payload(event)

    def decode(self, name: str, schema_version: int, payload: Payload) -> tuple[Any, Payload, int]:
        """The domain event, its payload upcast to the current schema, and that schema version.

        An unregistered type decodes to its raw payload, unchanged.
        """
        event_type = self._by_name.get(name)
        if event_type is None:
            return payload, payload, schema_version
        if schema_version != event_type.schema_version:
            payload = event_type.upcast(payload, schema_version)
        return from_payload(event_type.cls, payload), payload, event_type.schema_version

    def decode_stored(
        self, name: str, schema_version: int, stored: Payload | str | bytes
    ) -> tuple[Any, Payload | str | bytes, int]:
        """As :meth:`decode`, from a payload as the database hands it back: JSON text, or a dict.

        Text is decoded straight into the event class. The payload then comes back as that same
        text when its schema is current (whoever wants it as a dict decodes it then, see
        RecordedEvent), else as the upcast dict.
        """
        if not isinstance(stored, str | bytes):
            return self.decode(name, schema_version, stored)
        event_type = self._by_name.get(name)
        if event_type is None:
            payload = parse_json(stored)
            return payload, payload, schema_version
        if schema_version == event_type.schema_version:
            return from_json(event_type.cls, stored), stored, schema_version
        return self.decode(name, schema_version, parse_json(stored))

    def personal_fields(self, name: str) -> tuple[str, ...]:
        """The personal payload fields of the type stored as ``name`` (none if unregistered)."""
        event_type = self._by_name.get(name)
        return event_type.personal if event_type is not None else ()

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def event_type(self, name: str) -> EventType:
        """The registration named ``name``; raises UnknownEventType if there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventType(f"no event type is registered as {name!r}") from None

    def payload_schema(self, name: str) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of ``name``'s payload at its current schema version.

        Generated from the event class by msgspec, the library that decodes stored payloads into
        it, so the schema cannot drift from what is read and written; payloads of older versions
        are upcast to it before anyone reads them. Raises UnknownEventType.
        """
        event_type = self.event_type(name)
        schema: dict[str, Any] = _checked(msgspec.json.schema(event_type.cls))
        if event_type.personal:
            # Marked so that consumers know these may read as "[erased]" (eventstore.personal).
            properties = schema.get("$defs", {}).get(event_type.cls.__name__, {}).get("properties")
            for field_name in event_type.personal:
                if properties and field_name in properties:
                    properties[field_name]["x-personal"] = True
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# JSON Schema has no "decimal" format, so validators would let any string through where msgspec
# reads a Decimal: the pattern says what the store writes (a plain, finite decimal).
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def _checked(node: Any) -> Any:
    """``node`` with every decimal string given DECIMAL_PATTERN."""
    if isinstance(node, list):
        return [_checked(item) for item in node]
    if not isinstance(node, dict):
        return node
    checked = {key: _checked(value) for key, value in node.items()}
    if checked.get("type") == "string" and checked.get("format") == "decimal":
        checked["pattern"] = DECIMAL_PATTERN
    return checked


registry = EventRegistry()
