"""The Celery application; tasks run in-process when no broker is configured."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ledger_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _read_the_primary(**kwargs: Any) -> None:
    """Workers build the read models, so they never read them from a replica (the pool's
    processes are forked after this and keep it)."""
    from projections.routing import read_primary_in_this_process

    read_primary_in_this_process()
