"""Changing the Celery app's settings for a test, and putting them back after.

``config.celery.app`` reads Django's ``CELERY_``-prefixed settings (namespace ``CELERY``), and
Celery 5.6 looks a setting up under its prefixed name before its plain one: ``app.conf.update(
task_always_eager=False)`` alone is shadowed by Django's ``CELERY_TASK_ALWAYS_EAGER``. So each
change is made under both names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from config.celery import app


def _both_names(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value for key, value in settings.items() for name in (key, f"CELERY_{key.upper()}")
    }


@contextmanager
def celery_settings(**settings: Any) -> Iterator[None]:
    """Celery's settings (by their lowercase names, e.g. ``broker_url``) as given meanwhile;
    the broker connections are made afresh on the way in and out, so a changed broker_url is
    the one used."""
    saved = {key: app.conf[key] for key in settings}
    app.conf.update(_both_names(settings))
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(_both_names(saved))
        _forget_connections()


def _forget_connections() -> None:
    # The app caches its broker connection pool and producers; drop them.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
