"""The relay loop: read a batch after the checkpoint, publish it, and only then move the checkpoint.

The checkpoint lives in the database (RelayState, one row per sink name) and moves after the
broker acknowledged the whole batch, so a relay killed at any point resumes at the first event
the broker may not hold: nothing is skipped. What it publishes again (at most the batch it was
killed in) the broker drops by event id. No database transaction is open while publishing: the
batch is read in autocommit mode and the checkpoint is moved by one UPDATE afterwards.

When the broker or the database fails, the relay records the error on its row, waits (1 s
doubling to 60 s) and tries again from its checkpoint; it never skips ahead.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone

from observability import metrics
from projections.models import RelayState
from projections.relay.messages import read_events, to_message
from projections.relay.sink import Sink, SinkError

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=1)
LONGEST_RETRY = timedelta(seconds=60)


@dataclass
class Totals:
    """What one run of the relay did: events published (acknowledged), and how many of those
    the broker already held (dropped as duplicates by event id)."""

    published: int = 0
    duplicates: int = 0
    batches: int = 0


class Relay:
    """Publishes the log to ``sink`` from the checkpoint kept under the sink's name.

    ``batch_size`` events per publish and checkpoint move; an idle relay looks for new events
    every ``poll_seconds``; setting ``stop`` ends the run after the batch at hand."""

    def __init__(
        self,
        sink: Sink,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        stop: threading.Event | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.sink = sink
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.stop = stop or threading.Event()
        self.totals = Totals()

    def run(self, *, once: bool = False) -> Totals:
        """Publish until ``stop`` is set, or with ``once`` until every readable event is
        published (then errors raise SinkError or DatabaseError instead of being retried)."""
        failures, batches = 0, self.totals.batches
        while not self.stop.is_set():
            try:
                with self.sink:
                    self._publish_until_stopped(once=once)
                return self.totals
            except (SinkError, DatabaseError) as error:
                if once:
                    raise
                # Failures in a row: a batch published since the last one starts them again.
                failures = 1 if self.totals.batches > batches else failures + 1
                batches = self.totals.batches
                if isinstance(error, DatabaseError):
                    # A server restart leaves a broken connection behind; Django opens a new
                    # one on the next query once this one is closed.
                    connection.close_if_unusable_or_obsolete()
                self._record_error(error)
                self.stop.wait(backoff(failures).total_seconds())
        return self.totals

    def _publish_until_stopped(self, *, once: bool) -> None:
        checkpoint = self.checkpoint()
        while not self.stop.is_set():
            page = read_events(checkpoint, limit=self.batch_size)
            if not page.events:
                if once:
                    return
                self.stop.wait(self.poll_seconds)
                continue
            duplicates = self.sink.publish([to_message(event) for event in page.events])
            checkpoint = self._advance(checkpoint, page.checkpoint, len(page.events))
            self.totals.published += len(page.events)
            self.totals.duplicates += duplicates
            self.totals.batches += 1
            metrics.RELAY_PUBLISHED.labels(self.sink.name).inc(len(page.events))
            metrics.RELAY_DUPLICATES.labels(self.sink.name).inc(duplicates)
            metrics.RELAY_BATCHES.labels(self.sink.name).inc()

    def checkpoint(self) -> str:
        """The relay's checkpoint (created at the start of the log on first use)."""
        return RelayState.objects.get_or_create(name=self.sink.name)[0].checkpoint

    def _advance(self, old: str, new: str, count: int) -> str:
        # Compare and set: only from the checkpoint this relay read. If another relay of the
        # same name moved it meanwhile, carry on from theirs rather than moving it back.
        moved = RelayState.objects.filter(name=self.sink.name, checkpoint=old).update(
            checkpoint=new,
            published=F("published") + count,
            last_error="",
            updated_at=timezone.now(),
        )
        if moved:
            return new
        logger.warning("relay %s: another relay moved the checkpoint; resuming there", self.sink)
        return self.checkpoint()

    def _record_error(self, error: Exception) -> None:
        failed = "database" if isinstance(error, DatabaseError) else "broker"
        metrics.RELAY_FAILURES.labels(self.sink.name, failed).inc()
        logger.error("relay %s failed, retrying from its checkpoint: %r", self.sink.name, error)
        # When the database is what failed, the log line is all there is.
        with contextlib.suppress(DatabaseError):
            RelayState.objects.filter(name=self.sink.name).update(
                last_error=repr(error)[:2000], updated_at=timezone.now()
            )


def backoff(failures: int) -> timedelta:
    """How long to wait after ``failures`` failures in a row (1, 2, ...): doubling, capped."""
    return min(FIRST_RETRY * 2 ** min(failures - 1, 16), LONGEST_RETRY)
