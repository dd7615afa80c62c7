"""Where reads of the read models go: a PostgreSQL read replica when one is configured.

Lists, dashboards and the read-model API read projections, which trail the log anyway and say
how far they are; a replica trails the primary a little more and takes those reads off it. So
reads of the read-model tables (and of ProjectionState and ProjectionShard, whose checkpoints
say how far the rows on the same database are) go to ``settings.READ_MODELS_DATABASE``
("replica" when DATABASE_REPLICA_URL is set). Everything else stays on "default": every write,
the event store, the command path, and any read made inside a transaction on the primary (a
projection runner reads its checkpoint and rows there, and must see what it is about to change).

Processes that build the read models (Celery workers) read the primary throughout: see
``read_primary_in_this_process``. A request that must see the primary's rows (a client's
``min_position`` the replica has not reached) reads them inside ``primary_reads()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

# Lower-case labels, as Model._meta.label_lower gives them: the read models' rows, and the
# state and shard checkpoints that say which generation is active and how far its rows are.
# Parked events and decisions are staff's operations, webhook and relay state are their
# senders' checkpoints: those stay on the primary.
READ_MODELS = frozenset(
    {
        "projections.cartsummary",
        "projections.productactivity",
        "projections.dailyfunnel",
        "projections.dailyrevenue",
        "projections.funnelcart",
        "projections.projectionstate",
        "projections.projectionshard",
    }
)

_primary_here: ContextVar[bool] = ContextVar("read models from the primary", default=False)
_primary_in_process = False


@contextmanager
def primary_reads() -> Iterator[None]:
    """Within the block (this thread or task only), read the read models from the primary."""
    token = _primary_here.set(True)
    try:
        yield
    finally:
        _primary_here.reset(token)


def read_primary_in_this_process() -> None:
    """From now on this process reads the read models from the primary (Celery workers: they
    write them, and a decision taken on a lagging copy, such as "still behind", would be wrong)."""
    global _primary_in_process
    _primary_in_process = True


def read_models_alias() -> str:
    """The database alias that reads of the read models go to, here and now."""
    alias: str = settings.READ_MODELS_DATABASE
    if alias == DEFAULT_DB_ALIAS or _primary_here.get() or _primary_in_process:
        return DEFAULT_DB_ALIAS
    # A transaction on the primary reads its own snapshot and its own writes: a read of the
    # replica inside it would see neither.
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


class ReadModelRouter:
    """Django's database router: read models are read from read_models_alias(), nothing else
    is routed, and every write goes to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.label_lower in READ_MODELS:
            return read_models_alias()
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        # Even for a row read from the replica: Django would otherwise save it back where it
        # came from, and a replica is read-only.
        return DEFAULT_DB_ALIAS
