"""Where each projection is: its generations, its shards' checkpoints, and the events it holds back.

A projection's rows belong to a generation (see projections.models); readers see the active one,
a rebuild fills the next. Each generation is split into ``shard_count`` shards by a stable hash
of the stream id (eventstore.partitions): a shard has its own checkpoint, failure and lock, and
whichever worker is free takes it. Every stream lives in one shard, so its events are applied in
order; the shards of one generation together apply every event once.

An event a projector cannot apply stops its shard until staff decide (or, after
``PROJECTIONS_PARK_AFTER_ATTEMPTS`` failed attempts, the runner does): retry it, skip it for
good, or park it. A parked event and every later event of its stream wait in ParkedEvent while
the shard goes on with the other streams, and are applied, in order, when replayed. Each
decision is a ProjectionDecision row: who, when, why, which event.
"""

from __future__ import annotations

from django.db import models


class ProjectionState(models.Model):
    """One projection: its active generation and shard count, and a rebuild under way."""

    name = models.CharField(max_length=100, primary_key=True)
    active_generation = models.PositiveIntegerField(default=1)
    shard_count = models.PositiveSmallIntegerField(default=1)
    rebuild_generation = models.PositiveIntegerField(null=True, blank=True)
    rebuild_shard_count = models.PositiveSmallIntegerField(null=True, blank=True)
    rebuild_started_at = models.DateTimeField(null=True, blank=True)
    rebuild_error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (generation {self.active_generation}, {self.shard_count} shards)"


class ProjectionShard(models.Model):
    """One shard of one generation of a projection: its checkpoint, failure and heartbeat."""

    name = models.CharField(max_length=100)
    generation = models.PositiveIntegerField()
    shard = models.PositiveSmallIntegerField()
    # An opaque checkpoint of eventstore.store.read_all over this shard's part of the log.
    checkpoint = models.CharField(max_length=60, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    failed_position = models.BigIntegerField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    retry_count = models.PositiveIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    # A rebuild's shard writes it with every batch; one whose heartbeat is older than
    # projections.rebuild.stale_after() was killed or hangs, and is resumed from its checkpoint.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    caught_up = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "generation", "shard"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "generation", "shard"], name="projectionshard_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} generation {self.generation} shard {self.shard}"


class ParkedEvent(models.Model):
    """An event a projection's generation does not apply now: parked or skipped.

    ``failed`` marks the event a handler raised on; the others are later events of its stream,
    held back so that the stream's events are applied in order once it is replayed.
    """

    PARKED, SKIPPED = "parked", "skipped"

    projection = models.CharField(max_length=100)
    generation = models.PositiveIntegerField()
    shard = models.PositiveSmallIntegerField()
    event_id = models.UUIDField()
    position = models.BigIntegerField()
    stream_id = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=[(PARKED, "parked"), (SKIPPED, "skipped")], default=PARKED
    )
    failed = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    parked_at = models.DateTimeField()

    class Meta:
        ordering = ["projection", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["projection", "generation", "event_id"], name="parkedevent_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["projection", "generation", "shard"], name="parked_shard"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.position} {self.status} in {self.projection}"


class ProjectionDecision(models.Model):
    """What was decided about an event a projection failed on: who, when, why, which event."""

    RETRY, SKIP, PARK, REPLAY = "retry", "skip", "park", "replay"
    ACTIONS = [(RETRY, "retry"), (SKIP, "skip"), (PARK, "park"), (REPLAY, "replay")]

    projection = models.CharField(max_length=100)
    action = models.CharField(max_length=10, choices=ACTIONS)
    event_id = models.UUIDField(null=True, blank=True)
    position = models.BigIntegerField(null=True, blank=True)
    stream_id = models.CharField(max_length=200, blank=True, default="")
    event_type = models.CharField(max_length=200, blank=True, default="")
    # "user:<id> <username>" for staff, "system" for the runner's own decision after retries.
    actor = models.CharField(max_length=200)
    reason = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    outcome = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["projection", "-decided_at"], name="decision_recent")]

    def __str__(self) -> str:
        return f"{self.action} #{self.position} in {self.projection} by {self.actor}"


class RelayState(models.Model):
    """One relay's checkpoint: where its broker's copy of the log ends (see projections.relay).

    Moved only after the broker acknowledged every event up to it, and only forward from the
    value the relay last read (compare and set), so two relays started by mistake never move it
    back; the broker's de-duplication by event id absorbs what both publish.
    """

    # The sink's name, e.g. "nats:LEDGER_EVENTS": each broker stream keeps its own checkpoint.
    name = models.CharField(max_length=100, primary_key=True)
    # An opaque checkpoint of eventstore.store.read_all; "" is the start of the log.
    checkpoint = models.CharField(max_length=60, blank=True, default="")
    published = models.BigIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"relay {self.name} at {self.checkpoint or 'the start'}"
