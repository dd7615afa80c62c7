"""Fixtures for the projection tests: driving carts through commands, running projections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import redis
from django.db.models import QuerySet

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.models import Product
from eventstore.metadata import Metadata
from projections import runner, tasks
from projections.models import ProjectionShard, ProjectionState
from projections.registry import names, projector_class
from projections.shards import ensure_state
from tests.celery_settings import celery_settings


@pytest.fixture(autouse=True)
def _fresh_shard_counts() -> None:
    """Each test wakes the shards its own database has (the waker caches them for 10 s)."""
    tasks.forget_shard_counts()


@pytest.fixture
def project() -> Callable[[], dict[str, int]]:
    """Catch every projection up now (retrying failing ones at once); events read per name."""

    def run() -> dict[str, int]:
        return {name: runner.catch_up(name, retry_now=True) for name in names()}

    return run


@pytest.fixture
def active_shards() -> Callable[[str], QuerySet[ProjectionShard]]:
    """The shard rows (checkpoint, failure, retries) of a projection's active generation."""
    return active_shard_rows


def active_shard_rows(name: str) -> QuerySet[ProjectionShard]:
    generation = ensure_state(name).active_generation
    return ProjectionShard.objects.filter(name=name, generation=generation)


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
        cart_id = handle(CreateCart(owner_id=owner_id), Context.system(meta)).cart.id
        for sku, quantity in (items or {}).items():
            handle(AddItem(cart_id=cart_id, sku=sku, quantity=quantity), Context.system(meta))
        return cart_id

    return make


@pytest.fixture
def shelf(committed_db) -> None:
    """Two products, committed, for tests whose writers run in other processes."""
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    Product.objects.create(sku="MUG-001", name="Stoneware mug", price=Decimal("12.00"))


@pytest.fixture
def redis_queue(redis_url: str) -> Iterator[redis.Redis]:
    """Tasks are sent (not run) to a real Redis, on a queue of this test's own, so the pending
    flags (named after the queue) are this test's alone; yields the Redis, cleaned up after."""
    queue = f"projections-test-{uuid.uuid4().hex[:12]}"
    store = redis.Redis.from_url(redis_url)
    try:
        with celery_settings(
            broker_url=redis_url, task_always_eager=False, task_default_queue=queue
        ):
            yield store
    finally:
        if keys := list(store.scan_iter(match=f"*{queue}*")):
            store.delete(*keys)
