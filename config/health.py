"""Probes for load balancers and orchestrators: /healthz (alive) and /readyz (ready for traffic).

``/healthz`` answers 200 as long as the process serves requests; it touches nothing else, so a
database outage does not get every web process restarted. ``/readyz`` answers 200 when what a
request needs is there, else 503; both bodies are JSON and name each check::

    {"status": "unready", "failing": ["broker"],
     "checks": {"database": "ok", "broker": "the Celery broker does not answer (OperationalError)",
                "projections": "ok"}}

Checks: the database answers; the Celery broker answers (when there is one: not the in-process
``memory://`` transport); the NATS server greets (when ``NATS_URL`` is set); the event log's
order is not ahead of the database's transaction counter (``eventstore.transactions``); no
projection is failing (``projections.selectors.failing_projections``). A failure names the kind
of error only: the probes are public, and a driver's message can carry host names and user
names.

Written here rather than with django-health-check (4.x): its view is asynchronous and runs each
check in a worker thread, so every probe would open (and have to close) database connections of
its own beside the request's persistent one, and a check could not see the request's
transaction; it answers 500 rather than 503, HTML unless asked otherwise. What it would have given
on top of that is a ``SELECT 1``.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

from eventstore.transactions import log_ahead_of_server
from projections.selectors import failing_projections

NATS_DEFAULT_PORT = 4222


class Unready(Exception):
    """A dependency is missing; the message says which and why, without secrets."""


def database_answers() -> None:
    """Raises Unready unless the database runs a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        raise Unready(f"the database does not answer ({type(error).__name__})") from error


def broker_answers() -> None:
    """Raises Unready unless the Celery broker accepts a connection within the probe timeout."""
    timeout = settings.HEALTH_PROBE_TIMEOUT_SECONDS
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as broker:
            broker.ensure_connection(max_retries=0)
    except Exception as error:  # kombu raises its own and the transport's errors alike
        raise Unready(f"the Celery broker does not answer ({type(error).__name__})") from error


def nats_answers() -> None:
    """Raises Unready unless the NATS server greets (INFO) within the probe timeout.

    Every NATS server greets a new client before anything else, TLS or credentials included.
    """
    address = urlsplit(settings.NATS_URL.split(",")[0].strip())
    host, port = address.hostname or "127.0.0.1", address.port or NATS_DEFAULT_PORT
    try:
        with socket.create_connection(
            (host, port), timeout=settings.HEALTH_PROBE_TIMEOUT_SECONDS
        ) as conn:
            greeting = conn.recv(4)
    except OSError as error:
        raise Unready(f"the NATS server does not answer ({type(error).__name__})") from error
    if greeting != b"INFO":
        raise Unready("the NATS server does not greet as NATS does")


def log_order_sound() -> None:
    """Raises Unready when the log's order is ahead of the database's transaction counter
    (eventstore.transactions.LogAhead): the log restored into another server reads as empty."""
    try:
        ahead = log_ahead_of_server()
    except DatabaseError as error:
        raise Unready(f"the log cannot be read ({type(error).__name__})") from error
    if ahead is not None:
        raise Unready(
            "the event log is ahead of this database server's transaction counter"
            " (restored into another server?); see README, Restoring"
        )


def no_projection_failing() -> None:
    """Raises Unready naming every projection whose state is failing."""
    try:
        failing = failing_projections()
    except DatabaseError as error:
        raise Unready(f"the projections cannot be read ({type(error).__name__})") from error
    if failing:
        raise Unready(f"failing: {', '.join(failing)} (see /admin/projections/dashboard/)")


def readiness_checks() -> dict[str, Callable[[], None]]:
    """The checks that apply to this configuration, by the name the probe reports."""
    checks: dict[str, Callable[[], None]] = {"database": database_answers}
    if urlsplit(settings.CELERY_BROKER_URL).scheme != "memory":
        checks["broker"] = broker_answers
    if settings.NATS_URL:
        checks["nats"] = nats_answers
    checks["log_order"] = log_order_sound
    if settings.HEALTH_READY_NEEDS_PROJECTIONS:
        checks["projections"] = no_projection_failing
    return checks


@never_cache
@require_safe
def alive(request: HttpRequest) -> JsonResponse:
    """GET /healthz: 200 while the process answers; reads no database, broker or file."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """GET /readyz: 200 when every check passes, else 503 naming the failing ones."""
    results: dict[str, str] = {}
    for name, check in readiness_checks().items():
        try:
            check()
        except Unready as problem:
            results[name] = str(problem)
        else:
            results[name] = "ok"
    failing = [name for name, result in results.items() if result != "ok"]
    body = {"status": "unready" if failing else "ready", "failing": failing, "checks": results}
    return JsonResponse(body, status=503 if failing else 200)
