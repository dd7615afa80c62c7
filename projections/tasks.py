"""Celery tasks: catch-up, sealing and rebuild. Thin: they call the runner."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import redis
from celery import shared_task
from django.db import connection

from eventstore import seals
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import names
from projections.selectors import behind_committed_events
from projections.waker import Waker

logger = logging.getLogger(__name__)

FOLLOW_UP_SECONDS = 2
# Set while a full catch-up is queued and has not started yet (see enqueue_catch_up); one per
# database and queue, so deployments or test runs that share a Redis never hold each other up.
PENDING_KEY = "projections:catch-up-pending:{database}:{queue}"
# A queued message that is lost (or a worker that is down) lets the flag lapse after this long,
# so the next commit enqueues again; the periodic catch-up covers the meantime.
PENDING_SECONDS = 30


@shared_task(name="projections.catch_up", ignore_result=True)
def catch_up(
    name: str | None = None, retry_now: bool = False, follow_up: bool = True
) -> dict[str, int]:
    """Catch one projection (or all) up with the log; returns events read per projection.

    A projection that cannot run (its handler fails, the database hiccups) is logged and
    skipped so the others still catch up; the next run tries it again. A failing projection
    is retried only once its backoff has passed, unless ``retry_now``.
    """
    if name is None:
        # From here on this run may miss what commits next, so the next commit must enqueue
        # another run: clear the flag before reading anything.
        _clear_pending()
    selected = [name] if name else names()
    read: dict[str, int] = {}
    for each in selected:
        try:
            read[each] = runner.catch_up(each, retry_now=retry_now)
        except Exception:
            logger.exception("catch-up of projection %s failed; the next run retries", each)
    if follow_up and not catch_up.app.conf.task_always_eager and behind_committed_events(selected):
        # On PostgreSQL, committed events stay unreadable while an older transaction is still
        # open (see eventstore.backends.postgresql). Nobody else may enqueue a catch-up for them
        # soon, so look again shortly, once; beyond that the periodic catch-up takes over.
        _enqueue(kwargs={"name": name, "follow_up": False}, countdown=FOLLOW_UP_SECONDS)
    return read


@shared_task(name="eventstore.seal", ignore_result=True)
def seal() -> int:
    """Seal the events committed since the last seal (eventstore.seals); returns seals written.

    Run here, like a projection, because a seal is built after commit from the global log;
    eventstore itself knows nothing of Celery. Woken with the catch-up, and by beat.
    """
    return seals.seal_new_events()


@shared_task(name="projections.rebuild", ignore_result=True)
def rebuild(name: str) -> int:
    """Rebuild one projection from the start of the log and switch readers over to it; a
    rebuild of it already at work is left alone (0 events read), a stalled one taken over."""
    try:
        return rebuilding.rebuild(name, take_over_running=False)
    except rebuilding.RebuildRunning as running:
        logger.warning("rebuild not started: %s", running)
        return 0


def enqueue_catch_up(**kwargs: object) -> None:
    """Ask for a catch-up after events were committed, without ever failing the caller.

    Connected to eventstore's events_committed signal. Without a broker the task runs here and
    now (eager mode). A broker that cannot be reached is logged and otherwise ignored: the
    periodic catch-up picks the events up, so the command that appended them must not fail.

    With a broker, the asking happens on a background thread (see projections.waker), so the
    command's caller never waits for the network. With Redis as the broker, commits coalesce:
    only the first commit after a catch-up started enqueues the next one (one SET NX), and the
    rest find it queued and not started yet, so it will read their events. Publishing a Celery
    message for every command cost about a quarter of a command's time and queued thousands of
    catch-ups that found nothing to do.
    """
    if catch_up.app.conf.task_always_eager:
        _enqueue()
        _enqueue_seal()
    else:
        waker.wake()


def _wake_projections() -> None:
    if _claim_pending():
        _enqueue()
        # The seal shares the catch-up's coalescing: one seal per burst of commits, not one
        # per commit (a seal per event would make the seal table as long as the log).
        _enqueue_seal()


# Projections are woken at most 50 times a second per process: under steady load, asking
# Redis after nearly every commit cost the commands a quarter of their throughput, for no
# fresher read models.
waker = Waker(_wake_projections, name="projections-waker", pause=0.02)


def _enqueue(**options: Any) -> None:
    try:
        catch_up.apply_async(retry=False, **options)
    except Exception:
        logger.warning("could not enqueue a catch-up; the periodic one will do", exc_info=True)


def _enqueue_seal() -> None:
    try:
        seal.apply_async(retry=False)
    except Exception:
        logger.warning("could not enqueue sealing; the periodic one will do", exc_info=True)


def pending_key() -> str:
    """The Redis key of the pending flag for this database and queue."""
    conf = catch_up.app.conf
    return PENDING_KEY.format(
        database=connection.settings_dict["NAME"], queue=conf.task_default_queue
    )


def _flag_store() -> redis.Redis | None:
    """The broker's Redis, for the pending flag; None for any other broker (always enqueue)."""
    url = str(catch_up.app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    return _redis_client(url)


@cache
def _redis_client(url: str) -> redis.Redis:
    # redis-py pools connections per client and starts a fresh pool after a fork.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _claim_pending() -> bool:
    """Set the pending flag; True when this caller set it (and so must enqueue the catch-up).

    Celery's own deduplication does not fit: a lock held until the task ends (celery-once and
    the like) would drop the commits that land while it runs, which the running task may miss.
    """
    store = _flag_store()
    if store is None:
        return True
    try:
        return bool(store.set(pending_key(), "1", nx=True, ex=PENDING_SECONDS))
    except redis.RedisError:
        return True  # _enqueue reports a broker that cannot be reached


def _clear_pending() -> None:
    store = _flag_store()
    if store is None:
        return
    try:
        store.delete(pending_key())
    except redis.RedisError:
        logger.warning("could not clear the catch-up flag; it lapses on its own", exc_info=True)
