"""How many shards each projection has, and the rows that keep each shard's place.

The shard count is a setting, ``PROJECTIONS_SHARDS``: a number for every projection, or
``{"cart_summaries": 4}`` per projection (1 when not named). A generation keeps the count it was
built with; a new count takes effect with the next rebuild, which fills a generation with the
new split while readers keep the old one (see projections.rebuild).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from eventstore.partitions import MAX_SIZE, Partition
from projections.registry import names
from projections.state import ProjectionShard, ProjectionState


def configured_shards(name: str) -> int:
    """The shard count set for projection ``name`` (1..MAX_SIZE); raises ValueError beyond."""
    setting = getattr(settings, "PROJECTIONS_SHARDS", 1)
    count = setting.get(name, 1) if isinstance(setting, dict) else setting
    count = int(count)
    if not 1 <= count <= MAX_SIZE:
        raise ValueError(f"PROJECTIONS_SHARDS for {name} must be 1 to {MAX_SIZE}, not {count}")
    return count


def check_shard_setting() -> None:
    """Raise ImproperlyConfigured unless PROJECTIONS_SHARDS names only projections that exist
    and gives each a count of 1 to MAX_SIZE; run as the app starts, so that a process with a
    bad setting refuses to start instead of failing the pages and probes that read it."""
    setting = getattr(settings, "PROJECTIONS_SHARDS", 1)
    known = names()
    unknown = sorted(set(setting) - set(known)) if isinstance(setting, dict) else []
    if unknown:
        raise ImproperlyConfigured(
            f"PROJECTIONS_SHARDS names no projection {', '.join(map(repr, unknown))}; the"
            f" projections are: {', '.join(known)}"
        )
    for name in known:
        try:
            configured_shards(name)
        except (TypeError, ValueError) as error:
            raise ImproperlyConfigured(str(error)) from None


def live_lock(name: str, shard: int) -> str:
    """The lock a live runner of shard ``shard`` of ``name`` holds for one batch."""
    return f"projection:{name}:{shard}"


def rebuild_lock(name: str, shard: int | None = None) -> str:
    """The lock of a rebuild's shard, or (``shard`` None) of the rebuild as a whole."""
    return f"projection-rebuild:{name}" if shard is None else f"projection-rebuild:{name}:{shard}"


def partition(row: ProjectionShard, count: int) -> Partition:
    """The part of the log that shard row ``row`` of a ``count``-shard generation reads."""
    return Partition(row.shard, count)


def ensure_state(name: str) -> ProjectionState:
    """The projection's state, made (with its shards' rows) the first time it is asked for."""
    state = ProjectionState.objects.filter(name=name).first()
    if state is not None:
        return state
    with transaction.atomic():
        state, made = ProjectionState.objects.get_or_create(
            name=name, defaults={"shard_count": configured_shards(name)}
        )
        if made:
            create_shards(name, state.active_generation, state.shard_count)
    return state


def create_shards(name: str, generation: int, count: int) -> None:
    """The rows of a generation's ``count`` shards, each at the start of the log."""
    ProjectionShard.objects.bulk_create(
        [ProjectionShard(name=name, generation=generation, shard=k) for k in range(count)],
        ignore_conflicts=True,
    )


def shard_row(name: str, generation: int, shard: int) -> ProjectionShard | None:
    """Shard ``shard`` of generation ``generation`` of ``name``, or None."""
    return ProjectionShard.objects.filter(name=name, generation=generation, shard=shard).first()
