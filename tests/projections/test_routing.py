"""Reads of the read models go to the replica when one is configured; all else to the primary.

The replica is a second database of the test run (tests/conftest.py, replica_db) that the tests
fill themselves, as replication would, so that it can lag behind the primary.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from uuid import UUID

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, router, transaction

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from config.celery import _read_the_primary
from eventstore.metadata import Metadata
from eventstore.models import Event
from projections import routing, runner, selectors
from projections.models import (
    CartSummary,
    DailyFunnel,
    FunnelCart,
    ProductActivity,
    ProjectionState,
    RelayState,
)
from projections.registry import names
from projections.webhooks.models import WebhookSubscription
from tests.conftest import REPLICA
from tests.replica import replicate

READ_MODELS = [CartSummary, ProductActivity, DailyFunnel, FunnelCart, ProjectionState]


def project() -> None:
    for name in names():
        runner.catch_up(name, retry_now=True)


@pytest.fixture
def new_cart(replica_db, shelf, meta: Metadata) -> Callable[[dict[str, int]], UUID]:
    """Open a committed cart with items (sku -> quantity) on the primary; returns its id."""

    def make(items: dict[str, int]) -> UUID:
        cart_id = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id
        for sku, quantity in items.items():
            handle(AddItem(cart_id=cart_id, sku=sku, quantity=quantity), Context.system(meta))
        return cart_id

    return make


def test_reads_of_the_read_models_go_to_the_replica_and_everything_else_to_the_primary(
    replica_db,
):
    assert selectors.cart_summaries().db == REPLICA
    assert selectors.product_activity().db == REPLICA
    assert selectors.daily_funnel().db == REPLICA
    assert [router.db_for_read(model) for model in READ_MODELS] == [REPLICA] * len(READ_MODELS)
    for other in (Event, RelayState, WebhookSubscription):
        assert other.objects.all().db == DEFAULT_DB_ALIAS, other
    for model in [*READ_MODELS, Event, RelayState]:
        assert router.db_for_write(model) == DEFAULT_DB_ALIAS, model


def test_the_replica_answers_with_its_own_rows_while_it_lags(replica_db, new_cart):
    cart_id = new_cart({"TEA-001": 1})
    project()
    replicate()
    new_cart({"MUG-001": 1})
    project()

    assert [row.cart_id for row in selectors.cart_summaries()] == [cart_id]
    replicate()
    assert selectors.cart_summaries().count() == 2


def test_a_transaction_on_the_primary_reads_the_read_models_there(replica_db, new_cart):
    new_cart({"TEA-001": 1})
    project()  # on the primary only: the replica has no row at all

    with transaction.atomic():
        assert selectors.cart_summaries().db == DEFAULT_DB_ALIAS
        assert selectors.cart_summaries().count() == 1
    assert selectors.cart_summaries().count() == 0


def test_primary_reads_keep_a_block_on_the_primary(replica_db):
    with routing.primary_reads():
        assert selectors.cart_summaries().db == DEFAULT_DB_ALIAS
    assert selectors.cart_summaries().db == REPLICA


def test_a_row_read_from_the_replica_is_saved_to_the_primary(replica_db, new_cart):
    new_cart({"TEA-001": 1})
    project()
    replicate()

    state = ProjectionState.objects.get(name="cart_summaries")
    assert state._state.db == REPLICA
    state.rebuild_error = "noted on the primary"
    state.save()

    on_primary = ProjectionState.objects.using(DEFAULT_DB_ALIAS).get(name="cart_summaries")
    assert on_primary.rebuild_error == "noted on the primary"
    assert ProjectionState.objects.get(name="cart_summaries").rebuild_error == ""


def test_a_celery_worker_reads_the_read_models_from_the_primary(replica_db, monkeypatch):
    monkeypatch.setattr(routing, "_primary_in_process", False)
    assert selectors.cart_summaries().db == REPLICA

    _read_the_primary()  # what the worker_init signal runs as a worker starts

    assert selectors.cart_summaries().db == DEFAULT_DB_ALIAS


def test_projections_status_reports_the_runners_progress_on_the_primary(replica_db, new_cart):
    new_cart({"TEA-001": 1})
    project()  # the replica has no checkpoint yet

    out = StringIO()
    call_command("projections", "status", stdout=out)

    lines = [line.split() for line in out.getvalue().splitlines()[1:4]]
    assert [(line[0], line[1], line[2]) for line in lines] == [
        ("cart_summaries", "live", "2"),
        ("product_activity", "live", "2"),
        ("daily_funnel", "live", "2"),
    ]


@pytest.mark.django_db
def test_without_a_replica_the_read_models_are_read_from_the_primary():
    assert selectors.cart_summaries().db == DEFAULT_DB_ALIAS
    assert router.db_for_read(ProjectionState) == DEFAULT_DB_ALIAS
