"""The benchmark's own PostgreSQL database: created fresh, migrated, emptied between workloads.

Only databases named ``ledger_shop_bench*`` on 127.0.0.1 are ever created or dropped here.
"""

from __future__ import annotations

import os
from decimal import Decimal

import dj_database_url
import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_shop_bench"
BROKER_URL = "redis://127.0.0.1:6379/7"
PRODUCTS = [(f"BENCH-{n}", f"Bench tea {n}", Decimal(f"{n}.50")) for n in range(1, 6)]


def database_url() -> str:
    """The bench database (BENCH_DATABASE_URL), refused unless it is an ledger_shop_bench* one."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    config = dj_database_url.parse(url)
    if not str(config["NAME"]).startswith("ledger_shop_bench"):
        raise SystemExit(
            f"the bench database must be named ledger_shop_bench*, not {config['NAME']}"
        )
    if config["HOST"] not in ("127.0.0.1", "localhost"):
        raise SystemExit("the bench only ever targets 127.0.0.1")
    return url


def configure_environment(url: str) -> None:
    """Settings for measuring: PostgreSQL, DEBUG off (no query log), tasks queued to nowhere."""
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As in production, a command enqueues projection work on commit instead of doing it
    # in-process; nothing consumes this queue during the bench, which is emptied before.
    os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", BROKER_URL)


def share_secret_key() -> None:
    """Give processes started from here this process's SECRET_KEY: the master key of personal
    data is derived from it by default, and a child with another one could not read what this
    one encrypted (nor this one the child's)."""
    from django.conf import settings

    os.environ["SECRET_KEY"] = settings.SECRET_KEY


def recreate(url: str, *, drop_only: bool = False) -> None:
    """Drop and create the bench database, so every run starts from an empty table."""
    config = dj_database_url.parse(url)
    name = config["NAME"]
    if not str(name).startswith("ledger_shop_bench"):
        raise SystemExit(
            f"the bench only creates and drops ledger_shop_bench* databases, not {name}"
        )
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


def setup(url: str, *, fresh: bool = True) -> None:
    """Point Django at the bench database, (re)create and migrate it, and stock the catalog."""
    configure_environment(url)
    if fresh:
        recreate(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    stock_catalog()
    empty_queue()


def empty_queue() -> None:
    """Drop the catch-up messages earlier runs left in the bench's own Redis database."""
    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()


def current_url() -> str:
    """A URL for the database Django is connected to now, for child processes."""
    from django.db import connection

    config = connection.settings_dict
    host, port = config["HOST"] or "127.0.0.1", config["PORT"] or 5432
    return f"postgres://{config['USER'] or 'postgres'}@{host}:{port}/{config['NAME']}"


def stock_catalog() -> None:
    """Five products in EUR that the command workloads add to carts."""
    from carts.models import Product

    for sku, name, price in PRODUCTS:
        Product.objects.update_or_create(
            sku=sku, defaults={"name": name, "price": price, "currency": "EUR", "active": True}
        )


def empty_event_store() -> None:
    """Remove every event and snapshot between workloads.

    The append-only triggers refuse this, as they should; the schema's owner lifts them for the
    moment of the TRUNCATE, exactly as the test suite's clean-up does, and puts them back.
    """
    from django.db import connection

    from eventstore import immutability

    immutability.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE eventstore_event, eventstore_snapshot RESTART IDENTITY")
    finally:
        immutability.install(connection)
    analyze()


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a real table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE eventstore_event")
        cursor.execute("ANALYZE eventstore_snapshot")


def event_count() -> int:
    """How many events the table holds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM eventstore_event")
        return int(cursor.fetchone()[0])


def raw_conninfo() -> str:
    """A psycopg connection string for the database Django uses, for hand-written baselines."""
    from django.db import connection

    config = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=config["HOST"] or "127.0.0.1",
        port=str(config["PORT"] or 5432),
        user=config["USER"] or "postgres",
        dbname=config["NAME"],
    )


def wait_until_settled(timeout: float = 180.0) -> bool:
    """Wait until the gap-free reader can see the last event in the table; False on timeout.

    read_all returns only events of transactions older than every writer still running, so
    a long write elsewhere can hold back what a fresh bulk load shows. Measuring before it
    settles would time a partial log.
    """
    import time

    from django.db import connection

    from eventstore.checkpoints import encode_checkpoint
    from eventstore.store import read_all

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tx_id, position FROM eventstore_event"
            " ORDER BY tx_id DESC, position DESC LIMIT 1"
        )
        last = cursor.fetchone()
    if last is None:
        return True
    just_before = encode_checkpoint(last[0], last[1] - 1)
    while not read_all(just_before, limit=1).events:
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def sibling_url(suffix: str) -> str:
    """The URL of another bench database next to the current one (its name plus a suffix)."""
    url = current_url()
    base, name = url.rsplit("/", 1)
    if not name.startswith("ledger_shop_bench"):
        name = f"ledger_shop_bench_{name}"  # e.g. under the test suite's test_ database
    return f"{base}/{name}_{suffix}"


def switch_to(url: str) -> None:
    """Point Django's default connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]


def prepare_sibling(url: str) -> None:
    """Create, migrate and stock a fresh sibling database, and leave Django connected to it."""
    from django.core.management import call_command

    recreate(url)
    switch_to(url)
    call_command("migrate", verbosity=0, interactive=False)
    stock_catalog()
