"""The global log: every stream's events in commit order, read page by page from checkpoints.

Projections, webhooks, the broker relay, the feed and the seals all follow the log through
:func:`read_all`. Keeping it gap-free while many writers append is the database's affair: see
select_log_page in :mod:`eventstore.backends.postgresql` and :mod:`eventstore.backends.sqlite`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.backends import backend_for
from eventstore.checkpoints import START, decode_checkpoint
from eventstore.partitions import WHOLE, Partition
from eventstore.personal import Opener
from eventstore.recorded import RecordedEvent
from eventstore.rows import decode_event, register_rows


@dataclass(frozen=True)
class Page:
    """One page of the global log and the checkpoint to resume after it."""

    events: list[RecordedEvent]
    checkpoint: str


def read_all(
    after: str = START,
    *,
    limit: int = 1000,
    opened: bool = True,
    partition: Partition = WHOLE,
    using: str = DEFAULT_DB_ALIAS,
) -> Page:
    """The next page of the global log after an opaque checkpoint, in commit order.

    Never skips a committed event and never returns one twice, however many writers append at
    once. Personal values read in plain (or as erased, see eventstore.personal); with
    ``opened=False`` as stored, encrypted. With a ``partition``, only the events of the
    streams in it (eventstore.partitions), the checkpoint being the last of those. Raises
    ValueError for a checkpoint this store did not hand out.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tx_id, position = decode_checkpoint(after)
    connection = connections[using]
    backend = backend_for(connection)
    with connection.cursor() as cursor:
        backend.prepare_reader(cursor)
        part = None if partition.whole else (partition.member, partition.size)
        backend.select_log_page(cursor, tx_id, position, limit, part)
        rows = cursor.fetchall()
    opener = register_rows(Opener(using), rows, 7, 8) if opened else None
    events = [decode_event(row, opener=opener) for row in rows]
    checkpoint = events[-1].checkpoint if events else after
    return Page(events=events, checkpoint=checkpoint)
