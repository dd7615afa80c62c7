"""Fixtures for the relay tests: a fake sink, and a NATS JetStream stream of each test's own
(on the NATS server of the ``nats_url`` fixture, required in CI)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import nats
import pytest

from projections.relay.jetstream import JetStreamSettings
from projections.relay.sink import Message, Sink, SinkError


class FakeSink(Sink):
    """A broker in memory that de-duplicates by id, as JetStream does; it can be told to fail
    the next publishes."""

    def __init__(self, name: str = "fake:events") -> None:
        self.name = name
        self.held: list[Message] = []
        self.batches: list[list[str]] = []
        self.fail_next = 0
        self.opened = self.closed = 0

    def open(self) -> None:
        self.opened += 1

    def publish(self, messages: Sequence[Message]) -> int:
        if self.fail_next:
            self.fail_next -= 1
            raise SinkError("the broker did not answer")
        self.batches.append([message.id for message in messages])
        known = {message.id for message in self.held}
        fresh = [message for message in messages if message.id not in known]
        self.held.extend(fresh)
        return len(messages) - len(fresh)

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def fake_sink() -> FakeSink:
    return FakeSink()


@dataclass(frozen=True)
class StoredMessage:
    """A message as the JetStream stream holds it."""

    subject: str
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def jetstream(nats_url: str) -> Iterator[JetStreamSettings]:
    """Settings for a stream and subject prefix of this test's own; the stream is deleted after."""
    unique = uuid.uuid4().hex[:12]
    settings = JetStreamSettings(
        url=nats_url,
        stream=f"RELAY_TEST_{unique}",
        subject_prefix=f"relaytest-{unique}",
        max_age=3600,
        max_bytes=64 * 1024 * 1024,
        duplicate_window=600,
    )
    yield settings
    _in_own_loop(_jetstream_call(settings, _delete))


def stored_messages(settings: JetStreamSettings) -> list[StoredMessage]:
    """Every message of the test's stream, in stream order."""
    return _in_own_loop(_jetstream_call(settings, _read_all))


def stream_config(settings: JetStreamSettings) -> Any:
    """The test's stream's configuration as the server reports it."""
    return _in_own_loop(_jetstream_call(settings, _config))


def stream_size(settings: JetStreamSettings) -> int:
    """How many messages the test's stream holds (0 before it exists)."""
    return _in_own_loop(_jetstream_call(settings, _size))


async def _jetstream_call(settings: JetStreamSettings, work: Any) -> Any:
    client = await nats.connect(settings.url, connect_timeout=3)
    try:
        return await work(client.jetstream(), settings.stream)
    finally:
        await client.close()


async def _read_all(js: Any, stream: str) -> list[StoredMessage]:
    info = await js.stream_info(stream)
    messages = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        raw = await js.get_msg(stream, sequence)
        messages.append(StoredMessage(raw.subject, dict(raw.headers or {}), raw.data))
    return messages


async def _config(js: Any, stream: str) -> Any:
    return (await js.stream_info(stream)).config


async def _size(js: Any, stream: str) -> int:
    try:
        return int((await js.stream_info(stream)).state.messages)
    except nats.js.errors.NotFoundError:
        return 0


async def _delete(js: Any, stream: str) -> None:
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_stream(stream)


def _in_own_loop(work):  # type: ignore[no-untyped-def]
    """Run a coroutine on a loop of its own thread: the browser tests of the same run may leave
    one running on this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
