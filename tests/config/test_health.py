"""The probes: /healthz answers while the process does; /readyz names every missing dependency."""

from __future__ import annotations

import socket
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carts.application.commands import CreateCart
from carts.application.handler import Context, handle
from eventstore.transactions import log_ahead_of_server
from projections.models import ProjectionShard, ProjectionState
from projections.registry import names as projection_names
from projections.selectors import FAILING, projection_statuses
from tests.tampering import tamper


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on: it was free a moment ago, and is closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def readiness() -> tuple[int, dict[str, Any]]:
    response = Client().get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_healthz_answers_without_touching_the_database() -> None:
    # No db fixture: pytest-django refuses every query here, which would answer 500.
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "alive"})
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_the_database_answers_and_no_projection_fails(db) -> None:
    status, body = readiness()
    assert status == 200
    assert body == {
        "status": "ready",
        "failing": [],
        "checks": {"database": "ok", "log_order": "ok", "projections": "ok"},
    }


def test_readyz_names_the_database_when_it_does_not_answer(db, monkeypatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection to server at db.internal failed for user shop")

    # Undone before the test's own clean-up, which needs the database.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        status, body = readiness()
    assert status == 503
    assert body["failing"] == ["database", "log_order", "projections"]
    assert body["checks"]["database"] == "the database does not answer (OperationalError)"
    # A driver's message names hosts and users: the public probe does not repeat it.
    assert "db.internal" not in str(body) and "shop" not in str(body)


def test_readyz_names_a_failing_projection(db) -> None:
    # One shard of the projection's active generation stopped at an event it could not apply.
    failing = projection_names()[0]
    state = ProjectionState.objects.create(name=failing)
    ProjectionShard.objects.create(
        name=failing, generation=state.active_generation, shard=0, last_error="ValueError at 7"
    )
    status, body = readiness()
    assert status == 503
    assert body["failing"] == ["projections"]
    assert failing in body["checks"]["projections"]
    assert body["checks"]["database"] == "ok"


def test_readyz_may_leave_projections_out_where_an_unready_shop_is_taken_down(db, settings):
    settings.HEALTH_READY_NEEDS_PROJECTIONS = False
    failing = projection_names()[0]
    state = ProjectionState.objects.create(name=failing)
    ProjectionShard.objects.create(
        name=failing, generation=state.active_generation, shard=0, last_error="ValueError at 7"
    )
    status, body = readiness()
    assert (status, body["failing"]) == (200, [])
    assert "projections" not in body["checks"]


def test_readyz_names_the_broker_when_its_port_is_closed(db, settings) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    status, body = readiness()
    assert status == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"] == "the Celery broker does not answer (OperationalError)"


def test_readyz_checks_a_broker_that_answers(db, settings, redis_url: str) -> None:
    settings.CELERY_BROKER_URL = redis_url
    status, body = readiness()
    assert (status, body["checks"]["broker"]) == (200, "ok")


def test_readyz_names_nats_when_its_port_is_closed(db, settings) -> None:
    settings.NATS_URL = f"nats://127.0.0.1:{closed_port()}"
    status, body = readiness()
    assert status == 503
    assert body["failing"] == ["nats"]
    assert body["checks"]["nats"] == "the NATS server does not answer (ConnectionRefusedError)"


def test_readyz_names_nats_when_something_else_answers_on_its_port(db, settings) -> None:
    with socket.socket() as impostor:
        impostor.bind(("127.0.0.1", 0))
        impostor.listen()
        settings.NATS_URL = f"nats://127.0.0.1:{impostor.getsockname()[1]}"
        settings.HEALTH_PROBE_TIMEOUT_SECONDS = 0.2  # it accepts, and never greets
        status, body = readiness()
    assert status == 503
    assert body["failing"] == ["nats"]


def test_readyz_checks_a_nats_server_that_greets(db, settings, nats_url: str) -> None:
    settings.NATS_URL = nats_url
    status, body = readiness()
    assert (status, body["checks"]["nats"]) == (200, "ok")


def test_probes_are_answered_over_plain_http_when_pages_redirect_to_https(db, settings) -> None:
    # A load balancer asks the web process directly, in plain HTTP, with no session.
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head_and_refuse_changes(db, path: str) -> None:
    client = Client()
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


@pytest.mark.parametrize(
    ("stopped_generation", "rebuild_error", "unready"),
    [(0, "", False), (1, "", True), (None, "RebuildFailed: no such day", False)],
    ids=["an-old-generation-stopped", "the-active-one-stopped", "the-rebuild-failed"],
)
def test_readyz_judges_a_projection_as_its_status_does_without_reading_the_log(
    db, stopped_generation: int | None, rebuild_error: str, unready: bool
) -> None:
    name = projection_names()[-1]
    ProjectionState.objects.create(name=name, active_generation=1, rebuild_error=rebuild_error)
    if stopped_generation is not None:
        ProjectionShard.objects.create(
            name=name, generation=stopped_generation, shard=0, last_error="ValueError at 7"
        )
    with CaptureQueriesContext(connection) as queries:
        status, body = readiness()
    assert (status == 503, "projections" in body["failing"]) == (unready, unready)
    statuses = {s.name: s.state for s in projection_statuses()}
    assert (statuses[name] == FAILING) == unready
    # No count and no scan of the log (the log-order check reads one end of an index).
    over_the_log = [q["sql"] for q in queries if "eventstore_event" in q["sql"]]
    assert [sql for sql in over_the_log if "COUNT(" in sql.upper()] == []


@pytest.mark.postgres
def test_a_log_ahead_of_the_servers_transaction_counter_is_unready_and_fails_verification(
    db, meta
) -> None:
    # A dump of a busier server restored here: its events' transaction ids are beyond this
    # server's counter (made so by rewriting one event's tx_id, guards lifted).
    handle(CreateCart(), Context.system(meta))
    assert log_ahead_of_server() is None
    assert readiness()[0] == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        following = cursor.fetchone()[0]
    tamper("UPDATE eventstore_event SET tx_id = %s", [following + 1_000_000])

    ahead = log_ahead_of_server()
    assert ahead is not None and ahead.newest_tx_id == following + 1_000_000
    status, body = readiness()
    assert (status, body["failing"]) == (503, ["log_order"])
    assert "restored into another server" in body["checks"]["log_order"]
    with pytest.raises(CommandError, match="pg_resetwal"):
        call_command("verify_events", stdout=StringIO(), stderr=StringIO())
