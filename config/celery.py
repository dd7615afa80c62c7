"""The Celery application; tasks run in-process when no broker is configured."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_init

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
