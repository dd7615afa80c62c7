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
    # Whether staff may skip an event for good (projections.decisions): only where every row
    # belongs to one stream, so that skipping leaves every other stream's rows exact.
    may_skip: ClassVar[bool] = False
    # Seconds a catch-up waits after the commit that woke it, so that the commits meanwhile
    # share its batch (Kafka's ``linger.ms``). 0 for read models shoppers and integrations
    # read right after writing; the cross-cart analytics take a second, which leaves the
    # workers to the lists (bench B8: every commit queued a run of each projection, and the
    # list waited behind the analytics).
    linger_seconds: ClassVar[float] = 0.0
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


class Tally(Generic[Row]):
    """Changes a batch makes to rows that streams of several shards share, summed at flush.

    Nothing is read first: a row here starts from the model's defaults (zeros) and collects this
    batch's changes; flush adds them onto the stored row in the database (projections.upsert),
    and ``latest`` columns are kept only when they come from a later event (``latest_by``, a
    global position, set by the handler). Shards writing the same row concurrently therefore
    never lose each other's counts, and the result does not depend on which shard went first.
    Rows are written in key order, so two shards' transactions lock shared rows in one order
    and never wait for each other in a cycle.
    """

    def __init__(
        self,
        model: type[Row],
        key: str | tuple[str, ...],
        generation: int,
        *,
        added: Sequence[str],
        latest: Sequence[str] = (),
        latest_by: str = "",
    ) -> None:
        self.model = model
        self.keys = (key,) if isinstance(key, str) else key
        self.generation = generation
        self.added, self.latest, self.latest_by = tuple(added), tuple(latest), latest_by
        self._rows: dict[Hashable, Row] = {}

    def row(self, key: Hashable, **values: Any) -> Row:
        """The change row for ``key`` (a tuple for a key of several columns), made on first use."""
        row = self._rows.get(key)
        if row is None:
            parts = key if len(self.keys) > 1 else (key,)
            fields = dict(zip(self.keys, parts, strict=True))  # type: ignore[call-overload]
            row = self.model(generation=self.generation, **fields, **values)
            self._rows[key] = row
        return row

    def flush(self) -> None:
        """Add the collected changes onto the stored rows, in key order, then forget them."""
        rows = [self._rows[key] for key in sorted(self._rows)]  # type: ignore[type-var]
        self._rows.clear()
        key = self.keys[0] if len(self.keys) == 1 else self.keys
        upsert(
            self.model,
            key,
            rows,
            added=self.added,
            latest=self.latest,
            latest_by=self.latest_by,
        )
