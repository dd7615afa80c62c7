"""The projector framework: one handler per event type, rows buffered per batch.

A projector class declares its handlers with ``@handles(EventClass)``. The runner makes one
projector instance per batch of events and per generation, calls ``apply`` for each event and
``flush`` once, inside the transaction that also moves the checkpoint. Handlers therefore see
each event exactly once per generation; they must derive everything from the events (never
the clock or other tables), so that a rebuild from zero produces the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from eventstore.store import RecordedEvent
from projections.models import GenerationRow
from projections.upsert import upsert

Handler = Callable[[Any, RecordedEvent], None]
Row = TypeVar("Row", bound=GenerationRow)


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    """Mark a projector method as the handler of the given event classes."""

    def mark(method: Handler) -> Handler:
        method._handles = event_classes  # type: ignore[attr-defined]
        return method

    return mark


class Projector:
    """Base class of projectors: subclasses set ``name``, ``tables`` and handlers."""

    name: ClassVar[str] = ""
    # Every table holding this projection's rows; a rebuild clears their stale generations.
    tables: ClassVar[tuple[type[GenerationRow], ...]] = ()
    _handlers: ClassVar[dict[type, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                for event_class in getattr(value, "_handles", ()):
                    found[event_class] = attribute
        cls._handlers = found

    def __init__(self, generation: int) -> None:
        self.generation = generation

    def prepare(self, events: Sequence[RecordedEvent]) -> None:
        """Load what the batch will need in few queries; subclasses preload their row caches."""

    def apply(self, event: RecordedEvent) -> None:
        """Hand the event to its handler; events without one are skipped."""
        attribute = self._handlers.get(type(event.data))
        if attribute is not None:
            getattr(self, attribute)(event)

    def flush(self) -> None:
        """Write what the batch changed; subclasses flush their row caches here."""


class RowCache(Generic[Row]):
    """The rows of one table and generation that a batch touches, written back in bulk.

    Loading a row once per batch and writing all touched rows with one statement makes a
    rebuild a few queries per batch instead of a few per event.
    """

    def __init__(self, model: type[Row], key: str, generation: int) -> None:
        self.model = model
        self.key = key
        self.generation = generation
        self._rows: dict[Hashable, Row | None] = {}

    def load(self, keys: Iterable[Hashable]) -> None:
        """Fetch the rows with these keys in one query; keys without a row are remembered too."""
        wanted = {key for key in keys if key not in self._rows}
        if not wanted:
            return
        lookup: dict[str, Any] = {"generation": self.generation, f"{self.key}__in": wanted}
        for row in self.model._default_manager.filter(**lookup).order_by():
            self._rows[getattr(row, self.key)] = row
        for key in wanted:
            self._rows.setdefault(key, None)

    def absent(self, keys: Iterable[Hashable]) -> None:
        """Remember that these keys have no row, without asking (their first event is here)."""
        for key in keys:
            self._rows.setdefault(key, None)

    def get(self, key: Hashable) -> Row | None:
        """The row with this key in this generation, or None."""
        if key not in self._rows:
            lookup: dict[str, Any] = {"generation": self.generation, self.key: key}
            self._rows[key] = self.model._default_manager.filter(**lookup).order_by().first()
        return self._rows[key]

    def get_or_new(self, key: Hashable, **defaults: Any) -> Row:
        """The row with this key, or a new one (saved at flush) built from ``defaults``."""
        row = self.get(key)
        if row is None:
            row = self.model(generation=self.generation, **{self.key: key}, **defaults)
            self._rows[key] = row
        return row

    def flush(self) -> None:
        """Write the touched rows, new and loaded alike, then forget them."""
        rows = [row for row in self._rows.values() if row is not None]
        self._rows.clear()
        if rows:
            upsert(self.model, self.key, rows)
