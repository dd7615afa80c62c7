"""Fixtures for the projection tests: driving carts through the services, running projections."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.db import connection

from carts import services
from carts.models import Product
from eventstore.metadata import Metadata
from projections import runner
from projections.models import ProjectionState
from projections.registry import names, projector_class


@pytest.fixture(autouse=True)
def _oldest_transaction_on_postgres(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL, wait (bounded) until this test's transaction is the oldest one running.

    Inside a transaction, eventstore's read_all returns the transaction's own events only while
    it is the oldest transaction running on the whole server (see store.read_all). A test in
    the ``db`` fixture's transaction would otherwise see its events hidden whenever another
    database on the same server (another test run) has an older transaction open. Once every
    older transaction has finished, ours stays the oldest for the rest of the test.
    """
    if "db" not in request.fixturenames or connection.vendor != "postgresql":
        return
    request.getfixturevalue("db")
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        own = cursor.fetchone()[0]
        while True:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            if cursor.fetchone()[0] >= own:
                return
            if time.monotonic() > deadline:
                pytest.fail("another transaction on this PostgreSQL server stayed open for 60 s")
            time.sleep(0.02)


@pytest.fixture
def project() -> Callable[[], dict[str, int]]:
    """Catch every projection up now (retrying failing ones at once); events read per name."""

    def run() -> dict[str, int]:
        return {name: runner.catch_up(name, retry_now=True) for name in names()}

    return run


@pytest.fixture
def read_model() -> Callable[[str], dict[str, list[dict[str, Any]]]]:
    """The rows of a projection's active generation, table by table, without ids."""
    return active_rows


def active_rows(name: str) -> dict[str, list[dict[str, Any]]]:
    state = ProjectionState.objects.get(name=name)
    tables = {}
    for table in projector_class(name).tables:
        rows = table._default_manager.filter(generation=state.active_generation).values()
        cleaned = [{k: v for k, v in row.items() if k not in {"id", "generation"}} for row in rows]
        tables[table.__name__] = sorted(cleaned, key=repr)
    return tables


@pytest.fixture
def new_cart(catalog, meta: Metadata) -> Callable[..., UUID]:
    """Open a cart, optionally with items (sku -> quantity); returns its id."""

    def make(items: dict[str, int] | None = None, *, owner_id: str = "user:1") -> UUID:
        cart_id = services.cart_create(context=meta, owner_id=owner_id).cart.id
        for sku, quantity in (items or {}).items():
            services.cart_add_item(cart_id=cart_id, sku=sku, quantity=quantity, context=meta)
        return cart_id

    return make


@pytest.fixture
def shelf(committed_db) -> None:
    """Two products, committed, for tests whose writers run in other processes."""
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    Product.objects.create(sku="MUG-001", name="Stoneware mug", price=Decimal("12.00"))
