"""RecordedEvent: one stored event as the store's readers receive it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from eventstore.checkpoints import encode_checkpoint
from eventstore.codec import parse_json
from eventstore.metadata import Metadata
from eventstore.registry import registry

PERSONAL_METADATA = Metadata.personal_fields

Json = dict[str, Any] | str | bytes
_encoder = msgspec.json.Encoder()


class RecordedEvent:
    """An event as stored: its place in the stream and the log, its data and its metadata.

    Immutable, like its row: every attribute is read-only. ``payload`` (upcast to the current
    schema) and ``metadata`` may be given as their JSON text and are then decoded on first use:
    projections and replay need only ``data``, and decoding both for every event was a large
    part of reading the log. Read-only properties over slots, rather than a frozen dataclass,
    because the log builds one per row and a frozen dataclass pays a call per field to do so.
    """

    __slots__ = (
        "_data",
        "_event_id",
        "_event_type",
        "_hash",
        "_metadata",
        "_opener",
        "_payload",
        "_position",
        "_recorded_at",
        "_schema_version",
        "_stream_id",
        "_stream_type",
        "_tx_id",
        "_version",
    )

    def __init__(
        self,
        position: int,
        event_id: uuid.UUID,
        stream_id: str,
        stream_type: str,
        version: int,
        event_type: str,
        schema_version: int,
        data: Any,
        payload: Json,
        metadata: Json,
        recorded_at: datetime,
        hash: str,
        tx_id: int = 0,
        opener: Any = None,
    ) -> None:
        self._position = position
        self._event_id = event_id
        self._stream_id = stream_id
        self._stream_type = stream_type
        self._version = version
        self._event_type = event_type
        self._schema_version = schema_version
        self._data = data
        self._payload = payload
        self._metadata = metadata
        self._recorded_at = recorded_at
        self._hash = hash
        self._tx_id = tx_id
        # Opens the personal values of the payload and metadata (eventstore.personal.Opener)
        # when they are decoded from their text; None: as stored (or given in plain).
        self._opener = opener

    @property
    def position(self) -> int:
        """The event's number in the log, unique and increasing in insert order."""
        return self._position

    @property
    def event_id(self) -> uuid.UUID:
        return self._event_id

    @property
    def stream_id(self) -> str:
        return self._stream_id

    @property
    def stream_type(self) -> str:
        return self._stream_type

    @property
    def version(self) -> int:
        """The event's number in its stream: 1, 2, 3, ..."""
        return self._version

    @property
    def event_type(self) -> str:
        return self._event_type

    @property
    def schema_version(self) -> int:
        """The schema of ``payload`` (the current one of its type, after upcasting)."""
        return self._schema_version

    @property
    def data(self) -> Any:
        """The domain event; for a type nobody registered, its payload dict."""
        return self._data

    @property
    def payload(self) -> dict[str, Any]:
        """The payload as a dict, in the current schema of its type."""
        payload = self._payload
        if isinstance(payload, str | bytes):
            # Two threads racing here decode equal dicts; either may stay.
            payload = parse_json(payload)
            if self._opener is not None:
                payload = self._opener.open_fields(
                    payload, registry.personal_fields(self._event_type)
                )
            self._payload = payload
        return payload  # type: ignore[return-value]

    @property
    def metadata(self) -> dict[str, Any]:
        """Who, why and where from, as appended (see eventstore.metadata)."""
        metadata = self._metadata
        if isinstance(metadata, str | bytes):
            metadata = parse_json(metadata)
            if self._opener is not None:
                metadata = self._opener.open_fields(metadata, PERSONAL_METADATA)
            self._metadata = metadata
        return metadata  # type: ignore[return-value]

    @property
    def payload_json(self) -> str | bytes:
        """The payload as JSON text: as the database handed it back when nobody decoded it yet
        (no decoding and encoding again, for those who pass it on as JSON), else encoded. Read
        opened, personal values are in plain here too."""
        payload = self._payload
        if isinstance(payload, str | bytes) and (
            self._opener is None or not registry.personal_fields(self._event_type)
        ):
            return payload
        return _encoder.encode(self.payload)

    @property
    def metadata_json(self) -> str | bytes:
        """The metadata as JSON text, as ``payload_json`` gives the payload."""
        metadata = self._metadata
        if isinstance(metadata, str | bytes) and (
            self._opener is None or "enc:v1:" not in str(metadata)
        ):
            return metadata
        return _encoder.encode(self.metadata)

    @property
    def recorded_at(self) -> datetime:
        return self._recorded_at

    @property
    def hash(self) -> str:
        """The hash chaining this event to its predecessor (see eventstore.hashing)."""
        return self._hash

    @property
    def tx_id(self) -> int:
        """The writing transaction's id on PostgreSQL (0 on SQLite): the log's first order."""
        return self._tx_id

    @property
    def checkpoint(self) -> str:
        """The checkpoint that resumes the global log just after this event."""
        return encode_checkpoint(self._tx_id, self._position)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)  # type: ignore[arg-type]

    # Payload and metadata are dicts, so a recorded event was never hashable; it stays so.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={value!r}" for name, value in zip(_FIELDS, _values(self), strict=True)
        )
        return f"RecordedEvent({shown})"


_FIELDS = (
    "position",
    "event_id",
    "stream_id",
    "stream_type",
    "version",
    "event_type",
    "schema_version",
    "data",
    "payload",
    "metadata",
    "recorded_at",
    "hash",
    "tx_id",
)


def _values(event: RecordedEvent) -> tuple[Any, ...]:
    return tuple(getattr(event, name) for name in _FIELDS)
