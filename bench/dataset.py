"""Bulk test data: realistic cart streams through COPY, and cheap filler rows for growth tests.

COPY bypasses ``store.append`` (the append-only triggers refuse only UPDATE, DELETE and
TRUNCATE), so these loaders fill every column themselves. Cart streams get a real hash chain,
computed with the product's own ``event_hash``, so ``verify_events`` accepts them. Filler rows for
B7 carry a placeholder hash of zeros: they exist only to make the table big, are never read as
carts and never verified.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from carts.domain.cart import Cart, ProductOffer
from carts.domain.values import CheckoutDetails
from eventstore.hashing import GENESIS, event_hash
from eventstore.metadata import Metadata
from eventstore.personal import seal_fields
from eventstore.registry import registry

EVENTS_PER_CART = 8
COLUMNS = (
    "event_id, stream_id, stream_type, version, event_type, schema_version, payload, metadata,"
    " command_id, correlation_id, recorded_at, hash"
)
OFFERS = [
    ProductOffer(
        sku=f"BENCH-{n}", name=f"Bench tea {n}", unit_price=Decimal(f"{n}.50"), currency="EUR"
    )
    for n in range(1, 6)
]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Every cart is checked out with these, stored encrypted as append stores them, so that reading
# the dataset pays for opening personal data as reading real carts does.
DETAILS = CheckoutDetails(
    email="bench@example.com",
    full_name="Bench Shopper",
    address_line1="1 Bench Street",
    city="Berlin",
    postal_code="10115",
    country="DE",
)
SUBJECT = "user:bench"


def cart_events(cart_id: uuid.UUID) -> list[Any]:
    """One checked-out cart's eight events, decided by the real aggregate."""
    cart = Cart.create(cart_id, owner_id=SUBJECT)
    for offer in OFFERS:
        cart.add_item(offer, 2)
    cart.check_out(
        {offer.sku: offer for offer in OFFERS}, order_number="BNCH-2345", details=DETAILS
    )
    return cart.pending_events()


def cart_rows(carts: int, *, start: int = 0) -> Iterator[tuple[Any, ...]]:
    """COPY rows for ``carts`` checked-out carts, each stream hash-chained from genesis.

    The aggregate decides one cart's events once; every cart reuses those payloads with its own
    id, event ids, times and hash chain, which keeps loading a million events to seconds. The
    personal values are sealed here, before any row is asked for: sealing may query the key
    table, which a connection in the middle of a COPY cannot.
    """
    template = [_stored(*registry.encode(event)) for event in cart_events(uuid.UUID(int=0))]
    personal_meta = seal_fields(
        {"client_ip": "127.0.0.1", "user_agent": "bench"}, Metadata.personal_fields, SUBJECT
    )
    return _cart_rows(template, personal_meta, carts, start)


def _cart_rows(
    template: list[tuple[str, int, dict[str, Any]]],
    personal_meta: dict[str, Any],
    carts: int,
    start: int,
) -> Iterator[tuple[Any, ...]]:
    for n in range(start, start + carts):
        cart_id = uuid.UUID(int=n + 1)
        stream = f"cart-{cart_id}"
        command_id = str(uuid.uuid4())
        meta = {
            "actor": "user:bench",
            "source": "system",
            "correlation_id": command_id,
            "command_id": command_id,
            "command": "bench_load",
            **personal_meta,
        }
        meta_text = json.dumps(meta)
        recorded_at = EPOCH + timedelta(seconds=n)
        previous = GENESIS
        for version, (name, schema, payload) in enumerate(template, start=1):
            if version == 1:
                payload = {**payload, "cart_id": str(cart_id)}
            event_id = str(uuid.uuid4())
            previous = event_hash(
                previous_hash=previous,
                event_id=event_id,
                stream_id=stream,
                stream_type="cart",
                version=version,
                event_type=name,
                schema_version=schema,
                payload=payload,
                metadata=meta,
                recorded_at=recorded_at,
            )
            yield (
                event_id,
                stream,
                "cart",
                version,
                name,
                schema,
                json.dumps(payload),
                meta_text,
                command_id,
                command_id,
                recorded_at,
                previous,
            )


def _stored(name: str, schema: int, payload: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    """An encoded event as append stores it: its personal fields sealed."""
    return name, schema, seal_fields(payload, registry.personal_fields(name), SUBJECT)


def copy_carts(events: int, *, batch_carts: int = 20_000) -> int:
    """COPY about ``events`` events (whole carts of eight) into the table; returns carts loaded.

    Each batch is its own transaction, so the log holds many writing transactions, as it would.
    """
    carts = max(1, events // EVENTS_PER_CART)
    for start in range(0, carts, batch_carts):
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            rows = cart_rows(min(batch_carts, carts - start), start=start)
            with raw.copy(f"COPY eventstore_event ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return carts


FILLER_SQL = f"""
INSERT INTO eventstore_event ({COLUMNS})
SELECT gen_random_uuid(), 'cart-' || md5('filler' || (g / 10))::uuid, 'cart', g %% 10 + 1,
       'cart.ItemQuantityChanged', 1,
       jsonb_build_object('sku', 'BENCH-1', 'quantity', g %% 10 + 2,
                          'previous_quantity', g %% 10 + 1),
       jsonb_build_object('actor', 'user:bench', 'source', 'system',
                          'command_id', md5(g::text)::uuid::text),
       md5(g::text)::uuid::text, md5((g / 10)::text)::uuid::text,
       %s::timestamptz + g * interval '1 millisecond', repeat('0', 64)
FROM generate_series(%s::bigint, %s::bigint) AS g
"""


def fill(rows: int, *, start: int = 0, batch: int = 500_000) -> None:
    """Insert ``rows`` filler events (streams of ten) in transactions of ``batch`` rows."""
    for low in range(start, start + rows, batch):
        high = min(low + batch, start + rows) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FILLER_SQL, [EPOCH, low, high])


SECONDARY_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'eventstore_event'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


@contextmanager
def secondary_indexes_deferred() -> Iterator[None]:
    """Drop the event table's plain indexes for a bulk load and build them again after it.

    The standard bulk-loading practice: one sorted index build is far cheaper than millions of
    random insertions. Indexes that back constraints (position, event id, stream version) stay,
    so the loaded rows are checked exactly as appended ones are. The table ends as migrated.
    """
    with connection.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES_SQL)
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
