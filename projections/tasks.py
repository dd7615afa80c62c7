"""Celery tasks: catch-up per shard, sealing, rebuild per shard. Thin: they call the runner."""

from __future__ import annotations

import logging
import time
from functools import cache
from typing import Any

import redis
from celery import shared_task
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.dispatch import receiver

from eventstore import seals
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import names, projector_class
from projections.selectors import behind_committed_events
from projections.shards import configured_shards, ensure_state
from projections.state import ProjectionState
from projections.waker import Waker

logger = logging.getLogger(__name__)

FOLLOW_UP_SECONDS = 2
# Set while a shard's catch-up is queued and has not started yet (see enqueue_catch_up); one per
# database, queue and shard, so deployments or test runs that share a Redis never hold each
# other up.
PENDING_KEY = "projections:catch-up-pending:{database}:{queue}:{name}:{shard}"
# A queued message that is lost (or a worker that is down) lets the flag lapse after this long,
# so the next commit enqueues again; the periodic catch-up covers the meantime.
PENDING_SECONDS = 30


@shared_task(name="projections.catch_up", ignore_result=True)
def catch_up(
    name: str | None = None,
    retry_now: bool = False,
    follow_up: bool = True,
    shard: int | None = None,
) -> dict[str, int]:
    """Catch one shard, one projection or all up with the log; returns events read per
    projection.

    Without a name, on a worker (a broker is configured), it hands out the work instead: one
    task per shard of every projection, so that whichever workers are free share it, and the
    stalled parts of rebuilds are resumed. Otherwise the work is done here. A projection that
    cannot run (its handler fails, the database hiccups) is logged and skipped so the others
    still catch up; the next run tries it again. A failing shard is retried only once its
    backoff has passed, unless ``retry_now``.
    """
    eager = catch_up.app.conf.task_always_eager
    if name is None and not eager:
        _hand_out(retry_now)
        return {}
    if name is not None and shard is not None:
        # From here on this run may miss what commits next, so the next commit must enqueue
        # another run: clear the flag before reading anything.
        clear_pending(name, shard)
    selected = [name] if name else names()
    read: dict[str, int] = {}
    for each in selected:
        try:
            read[each] = runner.catch_up(each, shard=shard, retry_now=retry_now)
        except Exception:
            logger.exception("catch-up of projection %s failed; the next run retries", each)
    # A commit since this run started has queued the shard's next run, which reads what this
    # one could not: a follow-up would only be one more task in the queue (B8: under steady
    # load nearly every run ended behind, and the follow-ups doubled the tasks).
    follow_up = follow_up and not (name is not None and shard is not None and _queued(name, shard))
    if follow_up and not eager and behind_committed_events(selected, shard):
        # On PostgreSQL, committed events stay unreadable while an older transaction is still
        # open (see eventstore.backends.postgresql). Nobody else may enqueue a catch-up for them
        # soon, so look again shortly, once; beyond that the periodic catch-up takes over.
        _enqueue(
            kwargs={"name": name, "shard": shard, "follow_up": False}, countdown=FOLLOW_UP_SECONDS
        )
    if name is None:
        rebuilding_elsewhere = [n for n in selected if rebuilding.resume_stalled(n)]
        if rebuilding_elsewhere:
            logger.warning("resumed stalled rebuilds of %s", ", ".join(rebuilding_elsewhere))
    return read


def _hand_out(retry_now: bool) -> None:
    """One catch-up task per shard (each at most once queued), and stalled rebuilds resumed."""
    for name in names():
        count = max(configured_shards(name), ensure_state(name).shard_count)
        for shard in range(count):
            if retry_now or claim_pending(name, shard):
                _enqueue(kwargs={"name": name, "shard": shard, "retry_now": retry_now})
        rebuilding.resume_stalled(name, run=_enqueue_rebuild_shard)


@shared_task(name="eventstore.seal", ignore_result=True)
def seal() -> int:
    """Seal the events committed since the last seal (eventstore.seals); returns seals written.

    Run here, like a projection, because a seal is built after commit from the global log;
    eventstore itself knows nothing of Celery. Woken with the catch-up, and by beat.
    """
    clear_pending(*SEAL)
    return seals.seal_new_events()


@shared_task(name="projections.rebuild", ignore_result=True)
def rebuild(name: str) -> int:
    """Start a rebuild of one projection and hand its shards out to the workers (here and now
    without a broker); a rebuild of it already at work is left alone, a stalled one taken
    over. Returns the events read here (0 when the shards went to other workers)."""
    try:
        generation, count = rebuilding.start(name, take_over_running=False)
    except rebuilding.RebuildRunning as running:
        logger.warning("rebuild not started: %s", running)
        return 0
    if rebuild.app.conf.task_always_eager:
        read = sum(rebuilding.rebuild_shard(name, generation, k) for k in range(count))
        return read + rebuilding.finish(name, generation)
    for shard in range(count):
        _enqueue_rebuild_shard(name, generation, shard)
    return 0


@shared_task(name="projections.rebuild_shard", ignore_result=True)
def rebuild_shard(name: str, generation: int, shard: int) -> int:
    """Fill one shard of a rebuild's generation, then switch readers over if it was the last
    to finish; returns events read. A superseded or failed rebuild is logged and left."""
    try:
        read = rebuilding.rebuild_shard(name, generation, shard)
        return read + rebuilding.finish(name, generation)
    except (rebuilding.RebuildSuperseded, rebuilding.RebuildFailed) as stopped:
        logger.warning("rebuild shard %s of %s ended: %s", shard, name, stopped)
        return 0


def _enqueue_rebuild_shard(name: str, generation: int, shard: int) -> None:
    try:
        rebuild_shard.apply_async(retry=False, args=(name, generation, shard))
    except Exception:
        logger.warning("could not enqueue a rebuild shard; beat resumes it", exc_info=True)


def enqueue_catch_up(**kwargs: object) -> None:
    """Ask for a catch-up after events were committed, without ever failing the caller.

    Connected to eventstore's events_committed signal. Without a broker the task runs here and
    now (eager mode). A broker that cannot be reached is logged and otherwise ignored: the
    periodic catch-up picks the events up, so the command that appended them must not fail.

    With a broker, the asking happens on a background thread (see projections.waker), so the
    command's caller never waits for the network. With Redis as the broker, commits coalesce:
    only the first commit after a shard's catch-up started enqueues the next one for that shard
    (one pipelined SET NX per shard), and the rest find it queued and not started yet, so it
    will read their events. Publishing a Celery
    message for every command cost about a quarter of a command's time and queued thousands of
    catch-ups that found nothing to do.
    """
    if catch_up.app.conf.task_always_eager:
        _enqueue()
        _enqueue_seal()
    else:
        waker.wake()


def _wake_projections() -> None:
    """Enqueue a catch-up of every shard that has none queued, and a seal if none is."""
    counts = _shard_counts()
    wanted = [(name, shard) for name in names() for shard in range(counts[name])]
    claimed = _claim_all([*wanted, SEAL])
    for name, shard in wanted:
        if claimed[(name, shard)]:
            # A lingering run stays pending (and so gathers the commits) until it starts.
            linger = projector_class(name).linger_seconds
            options = {"countdown": linger} if linger else {}
            _enqueue(kwargs={"name": name, "shard": shard}, **options)
    if claimed[SEAL]:
        # One seal per burst of commits, not one per commit (a seal per event would make the
        # seal table as long as the log); after a second, so that a burst is one seal.
        _enqueue_seal(countdown=SEAL_LINGER_SECONDS)


# Projections are woken at most 50 times a second per process: under steady load, asking
# Redis after nearly every commit cost the commands a quarter of their throughput, for no
# fresher read models. The analytics and the seal linger a second on top (a countdown), so
# their runs do not keep the lists waiting in the one queue (bench B8). The worker holds a
# lingering message unacknowledged until it is due; kombu 5.7.0 crashed a worker that lost
# its broker meanwhile, hence the pin below 5.7 (tests/faults/test_broker_down.py).
waker = Waker(_wake_projections, name="projections-waker", pause=0.02)


def ask(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Enqueue ``task`` with ``args`` and ``kwargs`` for staff (run here and now without a
    broker); False, logged, when the broker cannot be reached, so that the page can say so
    instead of failing after what it already did (a decision recorded) is done."""
    try:
        task.apply_async(args, kwargs, retry=False)
    except Exception:
        logger.warning("could not enqueue %s", task.name, exc_info=True)
        return False
    return True


# What staff are told when ask() returned False.
BROKER_AWAY = "the task broker cannot be reached, so nothing was enqueued"


def _enqueue(**options: Any) -> None:
    try:
        catch_up.apply_async(retry=False, **options)
    except Exception:
        logger.warning("could not enqueue a catch-up; the periodic one will do", exc_info=True)


def _enqueue_seal(countdown: float = 0.0) -> None:
    try:
        options: dict[str, Any] = {"countdown": countdown} if countdown else {}
        seal.apply_async(retry=False, **options)
    except Exception:
        logger.warning("could not enqueue sealing; the periodic one will do", exc_info=True)


def hurry(names: list[str]) -> None:
    """Ask now for a catch-up of the lingering projections among ``names``, because a reader
    waits for them (``?min_position=``), instead of after their linger; at most once a second
    per shard, however many readers wait. Nothing to do without a broker (the catch-up ran at
    the commit), nor for projections woken at once."""
    if catch_up.app.conf.task_always_eager:
        return
    counts = _shard_counts()
    lingering = [name for name in names if projector_class(name).linger_seconds]
    wanted = [(f"{name}:hurried", shard) for name in lingering for shard in range(counts[name])]
    for (flag, shard), claimed in _claim_all(wanted, seconds=HURRY_SECONDS).items():
        if claimed:
            _enqueue(kwargs={"name": flag.removesuffix(":hurried"), "shard": shard})


HURRY_SECONDS = 1.0

_counts: tuple[float, dict[str, int]] = (0.0, {})
COUNTS_SECONDS = 10


def _shard_counts() -> dict[str, int]:
    """Shards to wake per projection: those configured and those of the active generation
    (they differ until the next rebuild), read from the database at most every 10 s."""
    global _counts
    read_at, counts = _counts
    if time.monotonic() - read_at > COUNTS_SECONDS or not counts:
        try:
            active = dict(ProjectionState.objects.values_list("name", "shard_count"))
        except DatabaseError:
            active = {}  # the periodic hand-out wakes what this misses
            connection.close()  # this thread's: no request ends to close it once it failed
        counts = {n: max(configured_shards(n), active.get(n, 1)) for n in names()}
        _counts = (time.monotonic(), counts)
    return counts


@receiver(setting_changed)
def forget_shard_counts(**kwargs: object) -> None:
    """Read the shard counts afresh at the next wake (settings changed, or a rebuild switched)."""
    global _counts
    _counts = (0.0, {})


# The pending flag of the seal task, next to those of every (projection, shard).
SEAL = ("eventstore.seal", 0)
# Seconds a seal waits after the commit that woke it (see Projector.linger_seconds).
SEAL_LINGER_SECONDS = 1.0


def pending_key(name: str, shard: int) -> str:
    """The Redis key of the pending flag of one shard's catch-up, for this database and queue."""
    conf = catch_up.app.conf
    return PENDING_KEY.format(
        database=connection.settings_dict["NAME"],
        queue=conf.task_default_queue,
        name=name,
        shard=shard,
    )


def _flag_store() -> redis.Redis | None:
    """The broker's Redis, for the pending flags; None for any other broker (always enqueue)."""
    url = str(catch_up.app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    return _redis_client(url)


@cache
def _redis_client(url: str) -> redis.Redis:
    # redis-py pools connections per client and starts a fresh pool after a fork.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def claim_pending(name: str, shard: int) -> bool:
    """Set one pending flag; True when this caller set it (and so must enqueue the task).

    Any task woken after commits may coalesce its wakes this way (the seal, webhook delivery),
    under a ``(name, 0)`` of its own; the task clears its flag with clear_pending as it starts.
    """
    return _claim_all([(name, shard)])[(name, shard)]


def _claim_all(
    wanted: list[tuple[str, int]], *, seconds: float = PENDING_SECONDS
) -> dict[tuple[str, int], bool]:
    """Set the pending flags of ``wanted`` (for ``seconds`` at most) in one round trip; which of
    them this caller set.

    Celery's own deduplication does not fit: a lock held until the task ends (celery-once and
    the like) would drop the commits that land while it runs, which the running task may miss.
    """
    store = _flag_store()
    if store is None:
        return dict.fromkeys(wanted, True)
    try:
        with store.pipeline(transaction=False) as pipe:
            for name, shard in wanted:
                pipe.set(pending_key(name, shard), "1", nx=True, px=int(seconds * 1000))
            return {key: bool(done) for key, done in zip(wanted, pipe.execute(), strict=True)}
    except redis.RedisError:
        return dict.fromkeys(wanted, True)  # _enqueue reports a broker that cannot be reached


def _queued(name: str, shard: int) -> bool:
    """Whether a run of the shard is queued and not started yet (its pending flag is set)."""
    store = _flag_store()
    if store is None:
        return False
    try:
        return bool(store.exists(pending_key(name, shard)))
    except redis.RedisError:
        return False


def clear_pending(name: str, shard: int) -> None:
    """Clear one pending flag, so that the next commit enqueues the task again."""
    store = _flag_store()
    if store is None:
        return
    try:
        store.delete(pending_key(name, shard))
    except redis.RedisError:
        logger.warning("could not clear a catch-up flag; it lapses on its own", exc_info=True)
