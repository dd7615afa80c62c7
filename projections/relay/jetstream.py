"""The NATS JetStream sink: one message per event, de-duplicated by the broker on its event id.

Each message goes to ``<prefix>.<stream type>.<event type>`` (see subjects.py) with header
``Nats-Msg-Id`` = the event id, so JetStream drops a message it already holds when the relay
publishes a batch again after a crash, as long as it comes back within the stream's duplicate
window. Messages of a batch are pipelined (``publish_async``, in order on one connection) and
the batch is acknowledged when every PubAck has arrived.

nats-py is asyncio; the relay is a plain loop around the database, so the sink keeps an event
loop of its own, on a thread of its own (so that it works whatever loop the calling thread may
run already), and waits for each call to complete on it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from projections.relay.sink import Message, Sink, SinkError
from projections.relay.subjects import checked_prefix, subject


@dataclass(frozen=True)
class JetStreamSettings:
    """Where and how to publish. Seconds for times; ``max_age`` 0 and ``max_bytes`` -1 mean
    unlimited retention."""

    url: str
    stream: str
    subject_prefix: str
    max_age: float
    max_bytes: int
    duplicate_window: float
    ack_timeout: float = 10.0


class JetStreamSink(Sink):
    """Publishes to a JetStream stream, created (or its retention updated) when opened."""

    def __init__(self, settings: JetStreamSettings) -> None:
        checked_prefix(settings.subject_prefix)
        self.settings = settings
        self.name = f"nats:{settings.stream}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Client | None = None
        self._js: JetStreamContext | None = None

    def open(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="jetstream-sink", daemon=True
        )
        self._thread.start()
        try:
            self._run(self._open())
        except BaseException:
            self.close()
            raise

    def publish(self, messages: Sequence[Message]) -> int:
        if self._js is None:
            raise SinkError("the sink is not open")
        return self._run(self._publish(messages))

    def close(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            if self._client is not None and not self._client.is_closed:
                asyncio.run_coroutine_threadsafe(self._client.drain(), loop).result()
        except (NatsError, OSError, TimeoutError):
            pass  # closing anyway; nothing unacknowledged counted as published
        finally:
            self._client = self._js = None
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join()
                self._thread = None
            loop.close()

    def _run(self, work):  # type: ignore[no-untyped-def]
        assert self._loop is not None, "the sink is not open"
        try:
            return asyncio.run_coroutine_threadsafe(work, self._loop).result()
        except (NatsError, OSError, TimeoutError) as error:
            raise SinkError(f"NATS at {self.settings.url}: {error!r}") from error

    async def _open(self) -> None:
        # No reconnecting forever inside a call: the relay retries with backoff and says why.
        self._client = await nats.connect(
            self.settings.url, connect_timeout=5, max_reconnect_attempts=3, reconnect_time_wait=0.5
        )
        self._js = self._client.jetstream(timeout=self.settings.ack_timeout)
        await self._ensure_stream()

    async def _ensure_stream(self) -> None:
        assert self._js is not None
        wanted = f"{self.settings.subject_prefix}.>"
        try:
            info = await self._js.stream_info(self.settings.stream)
        except NotFoundError:
            await self._js.add_stream(self._config([wanted]))
            return
        subjects = list(info.config.subjects or [])
        config = self._config(subjects if wanted in subjects else [*subjects, wanted])
        current = info.config
        if (current.subjects, current.max_age, current.max_bytes, current.duplicate_window) != (
            config.subjects,
            config.max_age,
            config.max_bytes,
            config.duplicate_window,
        ):
            await self._js.update_stream(config)

    def _config(self, subjects: list[str]) -> StreamConfig:
        return StreamConfig(
            name=self.settings.stream,
            subjects=subjects,
            storage=StorageType.FILE,
            max_age=self.settings.max_age,
            max_bytes=self.settings.max_bytes,
            duplicate_window=self.settings.duplicate_window,
        )

    async def _publish(self, messages: Sequence[Message]) -> int:
        assert self._js is not None
        acks = []
        for message in messages:
            acks.append(
                await self._js.publish_async(
                    subject(self.settings.subject_prefix, message.stream_type, message.event_type),
                    message.body,
                    headers={"Nats-Msg-Id": message.id},
                    stream=self.settings.stream,
                )
            )
        done = await asyncio.wait_for(asyncio.gather(*acks), self.settings.ack_timeout)
        return sum(1 for ack in done if ack.duplicate)
