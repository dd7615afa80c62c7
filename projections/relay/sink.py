"""What a broker must offer the relay: open, publish a batch until acknowledged, close.

A sink publishes in the order given and returns only when the broker has durably accepted every
message of the batch (JetStream's PubAck, Kafka's acks=all, a RabbitMQ stream's confirm);
anything less raises SinkError and the relay publishes the whole batch again. So a sink must
deliver at least once, and should let the broker drop a message it already holds by its id
(JetStream's Nats-Msg-Id, Kafka's idempotent producer keyed by event id, RabbitMQ streams'
publishing id): a relay killed between the broker's acknowledgement and saving its checkpoint
publishes that batch again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType


@dataclass(frozen=True)
class Message:
    """One event as the relay publishes it: its id (the broker's de-duplication key), where it
    belongs (for a subject, topic or partition key) and its body (JSON, see messages.py)."""

    id: str
    stream_id: str
    stream_type: str
    event_type: str
    body: bytes


class SinkError(Exception):
    """The broker did not acknowledge a batch (unreachable, timed out, refused it)."""


class Sink(ABC):
    """A broker the relay publishes to. ``name`` keys the relay's checkpoint in the database,
    so it must name the broker's copy of the log (e.g. ``nats:LEDGER_EVENTS``)."""

    name: str

    @abstractmethod
    def open(self) -> None:
        """Connect, and create what the broker needs (a stream, a topic) if missing.

        Raises SinkError when the broker cannot be reached or refuses the set-up."""

    @abstractmethod
    def publish(self, messages: Sequence[Message]) -> int:
        """Publish ``messages`` in order; return once the broker acknowledged every one.

        Returns how many of them the broker already held (dropped as duplicates by id).
        Raises SinkError when any is not acknowledged."""

    @abstractmethod
    def close(self) -> None:
        """Flush and disconnect; safe to call twice or after a failed open."""

    def __enter__(self) -> Sink:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
