"""B11: the relay publishing the whole log to NATS JetStream, against two same-run baselines.

Product: ``Relay(JetStreamSink).run(once=True)`` from the start of a COPY'd log into a fresh
JetStream stream (file storage, as the relay creates it), every batch acknowledged by PubAck
before the checkpoint moves. Baselines, in the same run:

- the feed's read rate: the same log through ``read_events`` (read_all, what the feed and the
  relay read with) at the same batch size, nothing published; the issue's comparison. No
  target: the gap is what publishing each event through an acknowledged broker costs.
- the broker client's own rate: the same messages, encoded beforehand, published with nats-py's
  ``publish_async`` in the same batches into another fresh stream, nothing read or stored.
  Target: the relay (reading, encoding, publishing, moving its checkpoint) at >= 75% of it.

Needs NATS with JetStream at BENCH_NATS_URL (default nats://127.0.0.1:4222).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from bench.harness import Figure, Sizes, log, median

NATS_URL = os.environ.get("BENCH_NATS_URL", "nats://127.0.0.1:4222")
BATCH = 500
# Events in the relayed log per size: a timed run should last a few seconds at least.
EVENTS = {"quick": 50_000, "full": 300_000, "toy": 300}


def read_rate() -> tuple[float, int]:
    """Events/s and events read by paging read_events from the start, as the relay reads."""
    from eventstore.store import START
    from projections.relay.messages import read_events

    checkpoint, count = START, 0
    started = time.perf_counter()
    while True:
        page = read_events(checkpoint, limit=BATCH)
        if not page.events:
            return count / (time.perf_counter() - started), count
        count += len(page.events)
        checkpoint = page.checkpoint


def relay_rate() -> tuple[float, int]:
    """Events/s and events published by one relay run from the start into a fresh stream."""
    from projections.models import RelayState
    from projections.relay.jetstream import JetStreamSettings, JetStreamSink
    from projections.relay.relay import Relay

    unique = uuid.uuid4().hex[:10]
    settings = JetStreamSettings(
        url=NATS_URL,
        stream=f"BENCH_RELAY_{unique}",
        subject_prefix=f"bench-{unique}",
        max_age=3600,
        max_bytes=-1,
        duplicate_window=600,
    )
    sink = JetStreamSink(settings)
    try:
        started = time.perf_counter()
        totals = Relay(sink, batch_size=BATCH).run(once=True)
        seconds = time.perf_counter() - started
    finally:
        RelayState.objects.filter(name=sink.name).delete()
        asyncio.run(_delete_stream(settings.stream))
    return totals.published / seconds, totals.published


def client_rate() -> float:
    """Events/s of publishing the log's messages, encoded beforehand, with nats-py alone."""
    from eventstore.store import START
    from projections.relay.messages import read_events, to_message
    from projections.relay.subjects import subject

    messages, checkpoint = [], START
    while page := read_events(checkpoint, limit=BATCH).events:
        messages += [to_message(event) for event in page]
        checkpoint = page[-1].checkpoint
    prepared = [
        (subject("bench-client", m.stream_type, m.event_type), m.body, {"Nats-Msg-Id": m.id})
        for m in messages
    ]
    return len(prepared) / asyncio.run(_publish_all(prepared))


async def _publish_all(prepared: list[tuple[str, bytes, dict[str, str]]]) -> float:
    import nats

    name = f"BENCH_CLIENT_{uuid.uuid4().hex[:10]}"
    client = await nats.connect(NATS_URL, connect_timeout=3)
    js = client.jetstream()
    try:
        await js.add_stream(name=name, subjects=["bench-client.>"], duplicate_window=600)
        started = time.perf_counter()
        for low in range(0, len(prepared), BATCH):
            acks = [
                await js.publish_async(subject, body, headers=headers)
                for subject, body, headers in prepared[low : low + BATCH]
            ]
            await asyncio.gather(*acks)
        return time.perf_counter() - started
    finally:
        await js.delete_stream(name)
        await client.close()


async def _delete_stream(name: str) -> None:
    import nats

    client = await nats.connect(NATS_URL, connect_timeout=3)
    try:
        await client.jetstream().delete_stream(name)
    finally:
        await client.close()


def run(sizes: Sizes) -> list[Figure]:
    """Median events/s of the relay and of reading the same log, over ``sizes.runs`` runs."""
    from bench import database, dataset

    database.empty_event_store()
    dataset.copy_carts(EVENTS.get(sizes.mode, EVENTS["quick"]))
    database.analyze()
    settled = database.wait_until_settled()
    total = database.event_count()
    product, reads, clients, counts = [], [], [], []
    for attempt in range(sizes.runs):
        rate, count = read_rate()
        reads.append(rate)
        clients.append(client_rate())
        rate, published = relay_rate()
        product.append(rate)
        counts += [count, published]
        log(
            f"B11 run {attempt + 1}: relay {product[-1]:,.0f}/s, read_all {reads[-1]:,.0f}/s,"
            f" nats-py alone {clients[-1]:,.0f}/s"
        )
    value = median(product)
    note = "" if settled and min(counts) == total else f"saw {min(counts):,} of {total:,}"
    name = f"relay {total:,} events to JetStream"
    return [
        Figure(
            "B11",
            name,
            value,
            "events/s",
            "(the issue's comparison)",
            None,
            median(reads),
            "read_all, same batches",
            product,
            note,
        ),
        Figure(
            "B11",
            name,
            value,
            "events/s",
            "(nats-py's own cost, to watch)",
            None,
            median(clients),
            "nats-py publish_async alone",
            product,
            note,
        ),
    ]
