"""A Celery worker keeps its database connection from task to task, as gunicorn does from
request to request, checks it before a task (or a request) uses it, and closes it once it has
failed (config.celery, CELERY_DB_REUSE_MAX, CONN_HEALTH_CHECKS)."""

from __future__ import annotations

import psycopg
import pytest
from celery.fixups.django import DjangoWorkerFixup  # type: ignore[attr-defined]  # not in the stubs
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections, connection, connections

from config.celery import app
from projections.tasks import seal


def run_on_a_worker() -> None:
    """What a worker does around one task (not the task itself): Celery's Django fixup, which
    closed the connections before and after every task, and the signals both handlers get."""
    fixup = DjangoWorkerFixup(app)
    task_prerun.send(sender=seal, task_id="t", task=seal, args=(), kwargs={})
    fixup.on_task_prerun(sender=seal)
    task_postrun.send(sender=seal, task_id="t", task=seal, args=(), kwargs={}, retval=0)
    fixup.on_task_postrun(sender=seal)


def test_a_worker_keeps_its_database_connection_from_task_to_task(committed_db):
    connection.close()  # not one an earlier test broke
    connection.ensure_connection()
    before = connection.connection
    for _ in range(3):
        run_on_a_worker()
    assert connection.connection is before


@pytest.mark.postgres
def test_a_connection_that_failed_is_closed_after_the_task_and_opened_afresh(committed_db):
    connection.ensure_connection()
    before = connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.settings_dict
    with psycopg.connect(  # as a server restart or an operator would
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"]
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(Exception), connection.cursor() as cursor:  # noqa: B017 (the driver's)
        cursor.execute("SELECT 1")
    run_on_a_worker()
    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection is not before


def terminate_this_session() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.settings_dict
    with psycopg.connect(  # as a server restart or an operator would
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"]
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
def test_a_connection_that_died_between_tasks_is_replaced_before_the_next_task_uses_it(
    committed_db,
):
    # Without the check the next task failed on it: an order confirmation was lost that way.
    connection.ensure_connection()
    before = connection.connection
    run_on_a_worker()
    terminate_this_session()
    task_prerun.send(sender=seal, task_id="t", task=seal, args=(), kwargs={})
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not before


@pytest.mark.postgres
def test_a_web_processs_connection_that_died_between_requests_is_replaced_before_use(
    committed_db,
):
    # Each web thread answered one 503 per dead kept connection, minutes after a restart.
    connection.ensure_connection()
    before = connection.connection
    close_old_connections()  # the end of one request
    terminate_this_session()
    close_old_connections()  # the start of the next (request_started)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not before


def test_every_database_connection_is_checked_before_use():
    assert all(connections[alias].settings_dict["CONN_HEALTH_CHECKS"] for alias in connections)
