"""The event table and the snapshot cache.

Events are append-only. The database refuses UPDATE, DELETE and TRUNCATE of event rows through
triggers (see :mod:`eventstore.immutability`); the ORM refuses them here as well, so a mistake in
Python fails with a clear message before it ever reaches the database.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from eventstore.errors import ImmutableEventError

_REFUSAL = "events are immutable: append a new event that corrects the old one instead"


class EventQuerySet(models.QuerySet["Event"]):
    """Querysets of events: reading only."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError(f"update() refused: {_REFUSAL}")

    def delete(self) -> NoReturn:
        raise ImmutableEventError(f"delete() refused: {_REFUSAL}")

    def bulk_update(self, objs: Any, fields: Any, batch_size: Any = None) -> NoReturn:
        raise ImmutableEventError(f"bulk_update() refused: {_REFUSAL}")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("events are written only through eventstore.store.append()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError(f"update_or_create() refused: {_REFUSAL}")


class Event(models.Model):
    """One immutable event: a fact that happened to one stream, at one version."""

    position = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(unique=True, editable=False)
    stream_id = models.CharField(max_length=200)
    stream_type = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=200)
    schema_version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    metadata = models.JSONField(default=dict)
    # Copied out of metadata so that the look-ups auditors and idempotency need are indexed.
    command_id = models.CharField(max_length=100, blank=True, default="")
    correlation_id = models.CharField(max_length=100, blank=True, default="")
    recorded_at = models.DateTimeField()
    # On PostgreSQL, the id of the writing transaction (pg_current_xact_id), filled in by the
    # database; the gap-free global reader orders by it. Always 0 on SQLite, where writers are
    # serialised and positions are handed out in commit order.
    tx_id = models.BigIntegerField(db_default=0, editable=False)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream_id", "version"], name="event_stream_version_uniq"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="event_version_gte_1"),
            models.CheckConstraint(condition=~models.Q(event_type=""), name="event_type_not_empty"),
        ]
        indexes = [
            models.Index(fields=["tx_id", "position"], name="event_global_order_idx"),
            models.Index(fields=["event_type", "recorded_at"], name="event_type_time_idx"),
            models.Index(fields=["recorded_at"], name="event_recorded_at_idx"),
            models.Index(fields=["stream_type", "position"], name="event_stream_type_idx"),
            models.Index(fields=["command_id"], name="event_command_idx"),
            models.Index(fields=["correlation_id"], name="event_correlation_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.stream_id}@{self.version} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError(f"save() of a recorded event refused: {_REFUSAL}")
        raise ImmutableEventError("events are written only through eventstore.store.append()")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError(f"delete() refused: {_REFUSAL}")


class Snapshot(models.Model):
    """A disposable cache of one stream's state at one version; full replay is the truth.

    Bound to the chain by the hash of the event it was taken at, and authenticated by a MAC
    under the seal key (see eventstore.snapshots): one that fails either check is never used.
    """

    stream_id = models.CharField(max_length=200, primary_key=True)
    version = models.PositiveIntegerField()
    schema_version = models.PositiveSmallIntegerField()
    state = models.JSONField()
    taken_at = models.DateTimeField(auto_now=True)
    event_hash = models.CharField(max_length=64, default="")
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"snapshot {self.stream_id}@{self.version}"


class Seal(models.Model):
    """One authenticated link of the chain over the global log (see eventstore.seals).

    Covers the events after the previous seal's ``last_checkpoint`` up to its own, in commit
    order. Append-only, like the events.
    """

    number = models.PositiveIntegerField(primary_key=True)
    previous_digest = models.CharField(max_length=64)
    first_checkpoint = models.CharField(max_length=60)
    last_checkpoint = models.CharField(max_length=60)
    events = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    # The head of every stream the seal covers, sorted: [[stream, events, version, hash], ...],
    # authenticated by the MAC with the rest (format 2). None on a seal written before heads
    # were authenticated (format 1), whose MAC covers only its number and digest.
    heads = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"seal #{self.number} {self.digest[:12]}"


class SealedStream(models.Model):
    """What one seal recorded of one stream: how many of its events, and its head at the end."""

    seal = models.PositiveIntegerField()
    stream_id = models.CharField(max_length=200)
    events = models.PositiveIntegerField()
    last_version = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "seal"], name="sealed_stream_uniq")
        ]
        indexes = [models.Index(fields=["seal"], name="sealed_stream_seal_idx")]

    def __str__(self) -> str:
        return f"{self.stream_id}@{self.last_version} in seal #{self.seal}"


class Breach(models.Model):
    """A failed integrity check of one stream, recorded so that read paths can flag it cheaply.

    Append-only: a breach is part of the audit record. Its stream stays readable and refuses
    commands (see carts.application.repository.load_for_command).
    """

    stream_id = models.CharField(max_length=200)
    problem = models.CharField(max_length=500)
    found_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream_id", "problem"], name="breach_stream_problem")
        ]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.problem}"


class PersonalKey(models.Model):
    """One person's data key, wrapped by a master key kept outside the database.

    The personal fields of events (eventstore.personal) are encrypted under it. Deleting the
    rows of a subject is how that person is forgotten: their stored values stay, unreadable.
    Unlike events, these rows are deleted (forgetting) and re-wrapped (master key rotation).
    """

    key_id = models.UUIDField(primary_key=True, editable=False)
    # The data subject: "user:42", "guest:...", "cart:<uuid>" (a cart nobody owns).
    subject = models.CharField(max_length=200, db_index=True)
    wrapped_key = models.CharField(max_length=200)
    master_key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("forget_person", "Can forget a person (delete the keys of their personal data)")
        ]

    def __str__(self) -> str:
        return f"data key of {self.subject}"
