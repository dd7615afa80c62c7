"""``manage.py relay_events [--once] [--batch-size N]``: publish the event log to NATS JetStream."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projections.relay.jetstream import JetStreamSettings, JetStreamSink
from projections.relay.relay import Relay
from projections.relay.sink import SinkError
from projections.relay.subjects import checked_prefix

_STOPPING = (signal.SIGTERM, signal.SIGINT)


class Command(BaseCommand):
    """Run the relay until SIGTERM or SIGINT (or, with --once, until the log is published)."""

    help = "Publish every event of the log to NATS JetStream from the relay's own checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="publish every event readable now, then exit (non-zero if the broker fails)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=0, help="events per publish (RELAY_BATCH_SIZE)"
        )

    def handle(self, *args: Any, once: bool, batch_size: int, **options: Any) -> None:
        sink = JetStreamSink(jetstream_settings())
        stop = threading.Event()
        relay = Relay(
            sink,
            batch_size=batch_size or settings.RELAY_BATCH_SIZE,
            poll_seconds=settings.RELAY_POLL_SECONDS,
            stop=stop,
        )
        self.stdout.write(
            f"relay {sink.name}: {settings.NATS_URL}, subjects {sink.settings.subject_prefix}.>,"
            f" from checkpoint {relay.checkpoint() or 'the start'}"
        )
        # SIGTERM (honcho, systemd, docker stop) and SIGINT end the run after the batch at hand.
        previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in _STOPPING}
        try:
            totals = relay.run(once=once)
        except SinkError as error:
            raise CommandError(f"the broker failed: {error}") from error
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(
            f"relay {sink.name} stopped: {totals.published} events published in"
            f" {totals.batches} batches ({totals.duplicates} already held by the broker),"
            f" checkpoint {relay.checkpoint() or 'the start'}"
        )


def jetstream_settings() -> JetStreamSettings:
    """The relay's settings; raises CommandError when NATS_URL is unset or a value is wrong."""
    if not settings.NATS_URL:
        raise CommandError(
            "the relay is disabled: NATS_URL is not set. Set it to the NATS server with"
            " JetStream, e.g. NATS_URL=nats://127.0.0.1:4222"
        )
    if not settings.NATS_STREAM or any(c in settings.NATS_STREAM for c in " .*>"):
        raise CommandError(
            f"NATS_STREAM {settings.NATS_STREAM!r} is not a stream name: use letters, digits,"
            " '-' and '_' (e.g. LEDGER_EVENTS)"
        )
    try:
        prefix = checked_prefix(settings.NATS_SUBJECT_PREFIX)
    except ValueError as error:
        raise CommandError(str(error)) from None
    return JetStreamSettings(
        url=settings.NATS_URL,
        stream=settings.NATS_STREAM,
        subject_prefix=prefix,
        max_age=settings.NATS_MAX_AGE_SECONDS,
        max_bytes=settings.NATS_MAX_BYTES,
        duplicate_window=settings.NATS_DUPLICATE_WINDOW_SECONDS,
    )
