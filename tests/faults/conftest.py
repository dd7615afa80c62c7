"""Fixtures for the fault tests: committed data, real processes, and what to compare after.

Every test here runs on PostgreSQL against committed data (``committed_db``), because the
processes it starts (gunicorn, Celery, manage.py) read the same test database. Whatever a test
starts is stopped when it ends, also when it fails (:class:`tests.faults.processes.Processes`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

from carts.api.permissions import INTEGRATION_GROUP
from carts.models import DiscountCode, Product
from tests.faults.connections import ConnectionKiller
from tests.faults.processes import Processes, base_environment, database_url

# A Redis database of the fault tests' own on the shared server (the others use 0, 1 and 3).
FAULTS_REDIS_URL = os.environ.get("TEST_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def shelf(committed_db) -> dict[str, Product]:
    """Three products in EUR and a percentage code, committed for the other processes."""
    products = [
        Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50")),
        Product.objects.create(sku="MUG-001", name="Stoneware mug", price=Decimal("12.00")),
        Product.objects.create(sku="POT-001", name="Clay teapot", price=Decimal("31.00")),
    ]
    DiscountCode.objects.create(code="WELCOME10", kind="percent", value=Decimal("10"))
    return {product.sku: product for product in products}


@pytest.fixture
def processes(committed_db, tmp_path: Path) -> Iterator[Processes]:
    """Start real processes on the test database; every one is stopped when the test ends."""
    started = Processes(tmp_path, base_environment())
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def killer(committed_db) -> ConnectionKiller:
    """Terminates the test database's connections at chosen moments."""
    return ConnectionKiller(database_url().replace("postgres://", "postgresql://", 1))


@pytest.fixture
def integration_tokens(committed_db) -> list[str]:
    """API tokens of integration users, who may drive every cart (one per concurrent client)."""
    group, _ = Group.objects.get_or_create(name=INTEGRATION_GROUP)
    tokens = []
    for n in range(16):
        user = User.objects.create_user(f"erp-{n}")
        user.groups.add(group)
        tokens.append(Token.objects.create(user=user).key)
    return tokens


@pytest.fixture
def faults_redis() -> Iterator[str]:
    """The fault tests' own Redis database, emptied before and after (required in CI)."""
    client = redis.Redis.from_url(FAULTS_REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {FAULTS_REDIS_URL} is required in CI: {error}")
        pytest.skip(f"no Redis at {FAULTS_REDIS_URL}: {error}")
    client.flushdb()
    yield FAULTS_REDIS_URL
    client.flushdb()


@pytest.fixture
def redis_server_binary() -> str:
    """The redis-server program, for a private server a test may stop (required in CI)."""
    found = shutil.which("redis-server")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI (apt-get install redis-server)")
        pytest.skip("redis-server is not installed")
    return found
