"""/metrics: what it shows (every process's counts, the scrape-time gauges) and to whom."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from config.scrape_gauges import gauges
from eventstore.models import Event
from observability.exposition import render
from projections.models import ProjectionShard
from projections.selectors import projection_statuses
from projections.shards import ensure_state

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def metrics(client: Client, *, remote: str = "127.0.0.1", **headers: str):  # type: ignore[no-untyped-def]
    return client.get("/metrics", REMOTE_ADDR=remote, headers=headers)


@pytest.mark.django_db
def test_a_local_scraper_reads_commands_and_every_projections_lag(client, catalog, meta):
    cart_id = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    response = metrics(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert 'ledger_commands_total{command="cart_add_item",error="",outcome="accepted"}' in text
    assert 'ledger_append_seconds_bucket{le="0.0005",outcome="written"}' in text
    names = [status.name for status in projection_statuses()]
    assert names
    for name in names:
        assert f'ledger_projection_lag_events{{projection="{name}"}}' in text
        assert f'ledger_projection_lag_seconds{{projection="{name}"}}' in text
        assert f'ledger_projection_state{{projection="{name}",state="live"}}' in text
    assert 'ledger_scrape_gauge_up{gauge="ledger_projection_lag_events"} 1.0' in text


@pytest.mark.django_db
def test_a_projection_behind_the_log_shows_its_lag_in_events(client, catalog, meta):
    handle(CreateCart(owner_id="user:1"), Context.system(meta))
    behind = Event.objects.count()
    # A projection reset to the start of the log is behind by every event.
    name = projection_statuses()[0].name
    state = ensure_state(name)
    ProjectionShard.objects.filter(name=name, generation=state.active_generation).update(
        checkpoint=""
    )
    text = metrics(client).content.decode()
    assert f'ledger_projection_lag_events{{projection="{name}"}} {float(behind)}' in text
    assert f'ledger_projection_state{{projection="{name}",state="catching_up"}} 1.0' in text


@pytest.mark.django_db
def test_a_gauge_added_to_the_config_list_is_served(client):
    gauges.add("ledger_example_queue_length", "Length of the example queue.", lambda: 4.25)
    try:
        text = metrics(client).content.decode()
    finally:
        gauges.remove("ledger_example_queue_length")
    assert "# HELP ledger_example_queue_length Length of the example queue." in text
    assert "ledger_example_queue_length 4.25" in text


@pytest.mark.parametrize("remote", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
@pytest.mark.django_db
def test_the_loopback_addresses_may_read_without_a_token(client, remote):
    assert metrics(client, remote=remote).status_code == 200


@pytest.mark.parametrize("remote", ["203.0.113.7", "10.0.0.8", "2001:db8::1", "not an address"])
def test_any_other_address_is_refused_and_told_how_to_get_in(client, remote):
    response = metrics(client, remote=remote)
    assert response.status_code == 403
    assert b"METRICS_ALLOWED_NETWORKS" in response.content
    assert b"ledger_" not in response.content


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_request_a_local_proxy_forwarded_is_not_taken_for_a_local_one(client, header):
    response = metrics(client, **{header: "203.0.113.7"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_bearer_token_lets_a_scraper_in_from_anywhere(client, token):
    response = metrics(client, remote="203.0.113.7", Authorization=f"Bearer {token}")
    assert response.status_code == 200
    assert b"ledger_scrape_gauge_up" in response.content


@pytest.mark.parametrize("given", ["", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_missing_or_wrong_token_is_asked_for_even_from_a_local_address(client, token, given):
    headers = {"Authorization": given} if given else {}
    remote = "203.0.113.7" if not given else "127.0.0.1"
    response = metrics(client, remote=remote, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


@pytest.mark.django_db
def test_with_no_allowed_network_only_the_token_gets_in(client, token, settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    assert metrics(client).status_code == 401
    assert metrics(client, Authorization=f"Bearer {token}").status_code == 200


def test_a_query_parameter_is_refused_by_name(client):
    response = client.get("/metrics", {"name[]": "ledger_commands"}, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 400
    assert response.content == b"/metrics takes no query parameters; got 'name[]'.\n"


def test_only_get_and_head_are_answered(client):
    response = client.post("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 405


COUNT_IN_A_PROCESS = """
from observability import metrics
metrics.COMMANDS.labels("cart_add_item", "accepted", "").inc({n})
metrics.APPEND_SECONDS.labels("written").observe(0.002)
"""


def process_env(directory: str) -> dict[str, str]:
    return {"PROMETHEUS_MULTIPROC_DIR": directory, "PYTHONPATH": str(settings.BASE_DIR)}


def test_with_a_multiprocess_directory_the_counts_of_every_process_are_added_up(tmp_path):
    multiprocess_dir = str(tmp_path)
    for n in (2, 3):
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_PROCESS.format(n=n)],
            env=process_env(multiprocess_dir),
            check=True,
            timeout=60,
        )
    text = render(multiprocess_dir=multiprocess_dir).decode()
    assert 'ledger_commands_total{command="cart_add_item",error="",outcome="accepted"} 5.0' in text
    assert 'ledger_append_seconds_count{outcome="written"} 2.0' in text
    assert 'ledger_append_seconds_bucket{le="0.0025",outcome="written"} 2.0' in text


def test_a_missing_multiprocess_directory_is_made_when_the_metrics_are_defined(tmp_path):
    directory = tmp_path / "not" / "yet"
    subprocess.run(
        [sys.executable, "-c", COUNT_IN_A_PROCESS.format(n=1)],
        env=process_env(str(directory)),
        check=True,
        timeout=60,
    )
    text = render(multiprocess_dir=str(directory)).decode()
    assert 'ledger_commands_total{command="cart_add_item",error="",outcome="accepted"} 1.0' in text


@pytest.mark.django_db
def test_failing_shards_parked_and_skipped_events_are_counted_per_projection(client):
    name = projection_statuses()[0].name
    state = ensure_state(name)
    ProjectionShard.objects.filter(name=name, generation=state.active_generation).update(
        last_error="ValueError at #7", failed_position=7
    )
    text = metrics(client).content.decode()
    assert f'ledger_projection_held{{kind="failing_shards",projection="{name}"}} 1.0' in text
    assert f'ledger_projection_held{{kind="parked",projection="{name}"}} 0.0' in text
    assert f'ledger_projection_held{{kind="skipped",projection="{name}"}} 0.0' in text


@pytest.mark.django_db
def test_without_another_open_transaction_its_age_is_zero(client):
    text = metrics(client).content.decode()
    assert "ledger_oldest_open_transaction_seconds 0.0" in text
    assert "ledger_oldest_open_transaction_holds_log 0.0" in text


@pytest.mark.postgres
def test_a_session_left_in_a_transaction_shows_its_age_and_that_it_holds_the_log(
    client, other_session
):
    other_session("SELECT pg_current_xact_id()", "SELECT pg_sleep(0.05)")
    text = metrics(client).content.decode()
    age = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("ledger_oldest_open_transaction_seconds ")
    )
    assert age > 0
    assert "ledger_oldest_open_transaction_holds_log 1.0" in text
