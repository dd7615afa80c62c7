"""Fixtures shared by the whole suite."""

from __future__ import annotations

import copy
import logging
import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import pytest_django.fixtures
import redis
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

from carts.models import DiscountCode, Product
from eventstore import immutability, personal
from eventstore.metadata import Metadata
from eventstore.models import Event
from observability.logs import RepeatFilter
from projections import routing

_databases_for_test = pytest_django.fixtures._get_databases_for_test


def _databases_for_committed_tests(test: pytest.Item):  # type: ignore[no-untyped-def]
    # pytest-django creates the test database only when a collected test asks for `db` (or a
    # marker). A file whose tests use only `committed_db` would otherwise run against the real
    # database. pytest-django offers no public hook for this, hence the narrow wrap.
    fixtures = getattr(test, "fixturenames", ())
    if "replica_db" in fixtures:
        return ("default", REPLICA), False
    if "committed_db" in fixtures:
        return ("default",), False
    return _databases_for_test(test)


REPLICA = "replica"


def _stand_in_replica() -> None:
    """A second database, alias "replica", standing in for a read replica (projections.routing).

    Its test database is created only when a collected test asks for ``replica_db``, with tables
    made from the models rather than migrations (no triggers: the tests fill it as replication
    would, and it must be able to lag). Reads go to it only inside ``replica_db``, whatever
    DATABASE_REPLICA_URL says: every other test reads and writes the primary alone.
    """
    replica = copy.deepcopy(settings.DATABASES["default"])
    name = replica["NAME"] if replica["ENGINE"].endswith("postgresql") else None
    replica["TEST"] = {"NAME": f"test_{name}_replica" if name else None, "MIGRATE": False}
    settings.DATABASES[REPLICA] = replica
    # Django fills in each alias's defaults once; fill them for the alias added here too.
    connections.configure_settings(settings.DATABASES)
    settings.READ_MODELS_DATABASE = DEFAULT_DB_ALIAS


_stand_in_replica()


pytest_django.fixtures._get_databases_for_test = _databases_for_committed_tests

# Staff users and carts with history for the admin tests (eventstore, carts, projections).
pytest_plugins = ["tests.admin_fixtures"]


@pytest.fixture
def meta() -> Metadata:
    return Metadata(actor="user:test", source="system", correlation_id="corr-test")


@pytest.fixture
def event_count():
    """A function that counts the events in the store (all of them, or of one stream)."""

    def count(stream_id: str | None = None) -> int:
        events = Event.objects.all()
        if stream_id is not None:
            events = events.filter(stream_id=stream_id)
        return events.count()

    return count


@pytest.fixture
def catalog(db) -> dict[str, Product]:
    """A small catalog: two products in EUR, one retired, one in USD, and two discount codes."""
    products = [
        Product(sku="TEA-001", name="Green tea", price=Decimal("4.50"), currency="EUR"),
        Product(sku="MUG-001", name="Stoneware mug", price=Decimal("12.00"), currency="EUR"),
        Product(sku="OLD-001", name="Retired kettle", price=Decimal("30.00"), active=False),
        Product(sku="USD-001", name="Imported spoon", price=Decimal("3.00"), currency="USD"),
    ]
    Product.objects.bulk_create(products)
    DiscountCode.objects.create(code="WELCOME10", kind="percent", value=Decimal("10"))
    DiscountCode.objects.create(code="FIVEOFF", kind="amount", value=Decimal("5"), currency="EUR")
    return {p.sku: p for p in Product.objects.all()}


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The test database without a wrapping transaction, for tests that span processes.

    Events cannot be deleted, so clean-up lifts the append-only triggers for a moment (as the
    schema's owner can), empties every table, and puts the triggers back.
    """
    with django_db_blocker.unblock():
        yield
        immutability.uninstall(connection)
        try:
            call_command("flush", interactive=False, verbosity=0)
        finally:
            immutability.install(connection)


@pytest.fixture
def replica_db(committed_db, settings) -> Iterator[None]:
    """committed_db, and reads of the read models routed to the stand-in replica (see
    _stand_in_replica), which holds what the test copied there and nothing else."""
    settings.READ_MODELS_DATABASE = REPLICA
    yield
    # Only read models are ever copied there; deleting them is quicker than a flush.
    for label in routing.READ_MODELS:
        apps.get_model(label)._default_manager.using(REPLICA).all().delete()


@pytest.fixture(autouse=True)
def _no_data_key_outlives_its_test():
    """A data key the event store cached for writing (eventstore.personal) once a transaction
    committed is forgotten after each test: the test's rollback, or a flush, removes its row,
    and a later test of the same person would encrypt with a key that no longer exists."""
    yield
    personal.forget_cached_keys()


@pytest.fixture(autouse=True)
def _each_test_logs_its_own_tracebacks() -> None:
    """The log's repeat filter (observability.logs.RepeatFilter) forgets what earlier tests
    logged: a test that looks for a traceback in the log must find its own."""
    for handler in logging.getLogger().handlers:
        for each in handler.filters:
            if isinstance(each, RepeatFilter):
                each.forget()


@pytest.fixture(autouse=True)
def _backend_tests_run_on_their_backend(request) -> None:
    """A test marked postgres (or sqlite) fails, rather than passing vacuously, elsewhere."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it in the PostgreSQL pass (make test)")
    if request.node.get_closest_marker("sqlite") and connection.vendor != "sqlite":
        pytest.fail("this test is about SQLite: run it in the SQLite pass (make test)")


REDIS_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture
def redis_url() -> str:
    """A Redis for tests that need a real one: required in CI (CI=true), else skipped without."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is required in CI: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


NATS_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")


def _nats_answers(url: str) -> str:
    """'' when a NATS server greets us at ``url``, else why not."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=3) as conn:
            greeting = conn.recv(4)
    except OSError as error:
        return str(error)
    return "" if greeting == b"INFO" else f"no NATS greeting (got {greeting!r})"


@pytest.fixture
def nats_url() -> str:
    """A NATS server with JetStream: required in CI (CI=true), else skipped without."""
    problem = _nats_answers(NATS_URL)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"NATS at {NATS_URL} is required in CI: {problem}")
        pytest.skip(f"no NATS at {NATS_URL}: {problem}")
    return NATS_URL


@pytest.fixture
def other_session(db) -> Iterator[Callable[..., tuple[int, datetime]]]:
    """Open sessions of their own on the test database, as psql or another process would; each
    runs ``statements`` in a transaction left open, and answers (its pid, when it began)."""
    opened: list[psycopg.Connection[Any]] = []

    def open_one(*statements: str, application_name: str = "ledger-test") -> tuple[int, datetime]:
        params = connection.settings_dict
        session = psycopg.connect(
            host=params["HOST"],
            port=params["PORT"] or 5432,
            user=params["USER"],
            dbname=params["NAME"],
            application_name=application_name,
        )
        opened.append(session)
        for statement in statements:
            session.execute(statement)
        pid, began = session.execute("SELECT pg_backend_pid(), now()").fetchone()  # type: ignore[misc]
        return pid, began

    yield open_one
    for session in opened:
        session.close()
