"""Who, why, where from: the metadata every event carries."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """Who wrote an event (actor), through what (source), and why (command and correlation ids).

    ``correlation_id`` groups everything one request set off; ``causation_id`` names the command
    or event that directly caused this one; ``command_id`` makes a retried command idempotent.
    ``trace_id`` is the OpenTelemetry trace (32 hex digits) the request ran in, "" when tracing
    is off. Empty fields are not stored, so events written before a field existed, or without
    it, read and hash as they always did.
    """

    actor: str
    source: str
    correlation_id: str = ""
    causation_id: str = ""
    command_id: str = ""
    command: str = ""
    client_ip: str = ""
    user_agent: str = ""
    trace_id: str = ""

    # Personal data of the actor: stored encrypted under the actor's key (eventstore.personal).
    personal_fields: ClassVar[tuple[str, ...]] = ("client_ip", "user_agent")

    def __post_init__(self) -> None:
        if not self.actor:
            raise ValueError("metadata needs an actor, e.g. 'user:42' or 'system'")
        if not self.source:
            raise ValueError("metadata needs a source: ui, api, admin or system")

    def to_dict(self) -> dict[str, Any]:
        # Every field is a string, so no deep copy (asdict) is needed: once per append.
        return {name: value for name in _FIELDS if (value := getattr(self, name)) != ""}


_FIELDS = tuple(f.name for f in fields(Metadata))
