"""Errors raised by the event store."""


class EventStoreError(Exception):
    """Base class of every event store error."""


class ConcurrencyError(EventStoreError):
    """An append's expected version no longer matches the stream: someone else wrote first."""

    def __init__(self, stream_id: str, expected: object, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, not {expected!r}; "
            "reload the stream and decide again"
        )


class ImmutableEventError(EventStoreError):
    """Someone tried to change or delete a recorded event; history is append-only."""


class UnknownEventType(EventStoreError):
    """An event type name or class that was never registered."""
