"""Reading the read models at least as far as a position a client wrote (``?min_position=``).

Without a replica this is selectors.wait_for_position on the primary. With one, reads of the
read models go to the replica (projections.routing), which trails the primary: the wait is for
the replica's own checkpoint to cover the position, since the rows answered come from there.
If the replica has not got there when the wait runs out but the primary has, the block reads
the primary instead: a client that asked to see its own write sees it, at the cost of one read
on the primary; replicas that keep up cost the primary nothing. If neither has got there, the
answer is the replica's, saying it does not include the position, as it always has (ask again).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS

from projections import selectors, tasks
from projections.routing import primary_reads, read_models_alias


@contextmanager
def reading_at_least(
    position: int | None, *, names: list[str], timeout: float
) -> Iterator[bool | None]:
    """Wait up to ``timeout`` seconds until the read models ``names`` include ``position``,
    then let the block read them from a database that does (the replica, else the primary).

    Yields None without a position, True when the block's reads include it, and False when no
    database had it in time (the block then reads as it would without a position).
    """
    if position is None:
        yield None
        return
    if not all(selectors.projection_includes(name, position) for name in names):
        tasks.hurry(names)  # the analytics would otherwise linger a second of the wait
    if selectors.wait_for_position(position, names=names, timeout=timeout):
        yield True
        return
    if read_models_alias() == DEFAULT_DB_ALIAS:
        yield False  # the primary was the one waited on: nowhere else to look
        return
    with primary_reads():
        if all(selectors.projection_includes(name, position) for name in names):
            yield True
            return
    yield False
