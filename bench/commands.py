"""B1: cart commands through the handler against the same commands written by hand in SQL.

Every cart is created, given five items and checked out with its details: seven commands (eight
events, personal data encrypted), each its own
transaction. The product path loads the cart (snapshot + events), lets the aggregate decide and
appends with its hash chain, as the API does, command id included. The baseline is the least a
hand-written event store could do: read the stream, insert the event, commit.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime

import psycopg

from bench import dataset
from bench.database import raw_conninfo
from bench.harness import Figure, Sizes, log, median
from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.registry import registry

COMMANDS_PER_CART = 7
BLOCKS = 10
SKUS = [offer.sku for offer in dataset.OFFERS]


def product_carts(cart_ids: list[uuid.UUID]) -> None:
    """Run the seven commands of each cart through carts.application.handler."""
    for cart_id in cart_ids:
        handle(CreateCart(cart_id=cart_id, owner_id="user:bench"), Context.system(_context()))
        for sku in SKUS:
            handle(AddItem(cart_id=cart_id, sku=sku, quantity=2), Context.system(_context()))
        handle(CheckOut(cart_id=cart_id, details=dataset.DETAILS), Context.system(_context()))


def _context() -> Metadata:
    command_id = str(uuid.uuid4())
    # With the client's address and user agent, which are stored encrypted as a request's are.
    return Metadata(
        actor="user:bench",
        source="api",
        correlation_id=command_id,
        command_id=command_id,
        client_ip="127.0.0.1",
        user_agent="bench",
    )


INSERT = (
    f"INSERT INTO eventstore_event ({dataset.COLUMNS})"
    " VALUES (%s, %s, 'cart', %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
READ = "SELECT version, hash, payload FROM eventstore_event WHERE stream_id = %s ORDER BY version"


def baseline_carts(connection: psycopg.Connection, cart_ids: list[uuid.UUID]) -> None:
    """The same events for each cart, by hand: read the stream, insert the event, commit."""
    template = [
        (name, schema, payload)
        for name, schema, payload in (
            registry.encode(e) for e in dataset.cart_events(uuid.UUID(int=0))
        )
    ]
    for cart_id in cart_ids:
        stream = f"cart-{cart_id}"
        for name, schema, payload in template:
            rows = connection.execute(READ, [stream]).fetchall()
            version, previous = (rows[-1][0], rows[-1][1]) if rows else (0, "0" * 64)
            text = json.dumps(payload)
            command_id = str(uuid.uuid4())
            meta = json.dumps({"actor": "user:bench", "source": "api", "command_id": command_id})
            digest = hashlib.sha256((previous + text).encode()).hexdigest()
            connection.execute(
                INSERT,
                [
                    uuid.uuid4(),
                    stream,
                    version + 1,
                    name,
                    schema,
                    text,
                    meta,
                    command_id,
                    command_id,
                    datetime.now(UTC),
                    digest,
                ],
            )
            connection.commit()


def run(sizes: Sizes) -> list[Figure]:
    """Median commands/s of the handler and of the hand-written SQL, interleaved in blocks.

    Each run alternates ten blocks of carts between the two sides, so both meet the same
    moments of the shared disk's commit latency (which drifts within seconds) rather than one
    side getting a quiet spell and the other a busy one.
    """
    product: list[float] = []
    baseline: list[float] = []
    block = max(1, sizes.b1_carts // BLOCKS)
    with psycopg.connect(raw_conninfo()) as connection:
        for attempt in range(sizes.runs):
            spent = {"product": 0.0, "baseline": 0.0}
            for _ in range(0, sizes.b1_carts, block):
                carts = [uuid.uuid4() for _ in range(block)]
                started = time.perf_counter()
                baseline_carts(connection, carts)
                spent["baseline"] += time.perf_counter() - started
                carts = [uuid.uuid4() for _ in range(block)]
                started = time.perf_counter()
                product_carts(carts)
                spent["product"] += time.perf_counter() - started
            commands = -(-sizes.b1_carts // block) * block * COMMANDS_PER_CART
            baseline.append(commands / spent["baseline"])
            product.append(commands / spent["product"])
            log(f"B1 run {attempt + 1}: handler {product[-1]:.0f}/s, SQL {baseline[-1]:.0f}/s")
    value, base = median(product), median(baseline)
    return [
        Figure(
            "B1",
            f"commands/s, {sizes.b1_carts} carts x 7",
            value,
            "cmd/s",
            ">= 50% of SQL",
            value >= 0.5 * base,
            base,
            "hand-written SQL",
            product,
        )
    ]
