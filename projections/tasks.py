"""Celery tasks: catch-up, rebuild and abandonment. Thin: they call the runner and services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from projections import abandonment, runner
from projections import rebuild as rebuilding
from projections.registry import names
from projections.selectors import behind_committed_events

logger = logging.getLogger(__name__)

FOLLOW_UP_SECONDS = 2


@shared_task(name="projections.catch_up", ignore_result=True)
def catch_up(
    name: str | None = None, retry_now: bool = False, follow_up: bool = True
) -> dict[str, int]:
    """Catch one projection (or all) up with the log; returns events read per projection.

    A projection that cannot run (its handler fails, the database hiccups) is logged and
    skipped so the others still catch up; the next run tries it again. A failing projection
    is retried only once its backoff has passed, unless ``retry_now``.
    """
    selected = [name] if name else names()
    read: dict[str, int] = {}
    for each in selected:
        try:
            read[each] = runner.catch_up(each, retry_now=retry_now)
        except Exception:
            logger.exception("catch-up of projection %s failed; the next run retries", each)
    if follow_up and not catch_up.app.conf.task_always_eager and behind_committed_events(selected):
        # On PostgreSQL, committed events stay unreadable while an older transaction is still
        # open (see store.read_all). Nobody else may enqueue a catch-up for them soon, so look
        # again shortly, once; beyond that the periodic catch-up takes over.
        _enqueue(kwargs={"name": name, "follow_up": False}, countdown=FOLLOW_UP_SECONDS)
    return read


@shared_task(name="projections.rebuild", ignore_result=True)
def rebuild(name: str) -> int:
    """Rebuild one projection from the start of the log and switch readers over to it."""
    return rebuilding.rebuild(name)


@shared_task(name="projections.abandon_idle_carts", ignore_result=True)
def abandon_idle_carts() -> int:
    """Abandon open carts idle for longer than CART_ABANDON_AFTER (actor: system)."""
    return abandonment.abandon_idle_carts()


def enqueue_catch_up(**kwargs: object) -> None:
    """Ask for a catch-up after events were committed, without ever failing the caller.

    Connected to eventstore's events_committed signal. Without a broker the task runs here and
    now (eager mode). A broker that cannot be reached is logged and otherwise ignored: the
    periodic catch-up picks the events up, so the command that appended them must not fail.
    """
    _enqueue()


def _enqueue(**options: Any) -> None:
    try:
        catch_up.apply_async(retry=False, **options)
    except Exception:
        logger.warning("could not enqueue a catch-up; the periodic one will do", exc_info=True)
