"""The Celery application; tasks run in-process when no broker is configured."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    task_postrun,
    task_prerun,
    worker_init,
)

from config.log_redaction import RedactingFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ledger_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_worker_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """A worker replaces the handlers LOGGING set up with its own: they redact too."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


@worker_init.connect
def _read_the_primary(**kwargs: Any) -> None:
    """Workers build the read models, so they never read them from a replica (the pool's
    processes are forked after this and keep it)."""
    from projections.routing import read_primary_in_this_process

    read_primary_in_this_process()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Around each task on a worker, what Django does around each request: close a database
    connection that failed or is older than CONN_MAX_AGE, keep the others (see
    CELERY_DB_REUSE_MAX), and check a kept one before the task uses it (CONN_HEALTH_CHECKS,
    config.settings). Not for a task run in-process (eagerly), maybe inside a transaction."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
