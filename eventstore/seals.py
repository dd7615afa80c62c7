"""Seals: an authenticated chain over the global log, so that removing any event is detected.

Why a per-stream hash chain is not enough: each event's hash covers its predecessor, so an
edit or a removal in the middle of a stream breaks the chain, but deleting a stream's newest
events leaves a shorter chain that is perfectly intact, and a superuser who rewrites events can
recompute every hash after them. Nothing inside one stream can tell.

A seal covers a contiguous batch of the global log in commit order (as ``read_all`` hands it
out): the previous seal's digest, the batch's first and last checkpoint, how many events, and a
sha-256 over each event's (position, stream, version, hash). Its digest is authenticated with an
HMAC under a key that never enters the database (eventstore.keys). So once an event is sealed:

- removing it (the newest of its stream or any other), inserting a forged event into a sealed
  range, or altering one (even with the stream's chain recomputed) changes the recomputed
  digest of that seal, which ``verify_events`` reports naming the seal and its range;
- rewriting the seal to match needs the key; removing a seal from the middle of the chain
  breaks the numbering and the chain of digests, both checked;
- each seal records every stream's head at its end, in the seal itself (``heads``, covered by
  its MAC: seal format 2) and as one row per stream (SealedStream), so that a single stream's
  read paths see their own truncation with one indexed look-up (eventstore.integrity). Since
  the MAC authenticates the heads, deleting or editing those rows is reported naming the seal
  and the stream, and a sealed range that lost events names the streams that lost them.
  Seals of format 1 (written before, ``heads`` NULL) still verify under their own rule: their
  MAC covers only the number and digest, so their rows are only as good as the database.

What seals cannot catch:

- anything done to events not sealed yet (normally seconds: the sealer runs after every commit
  and every EVENTSTORE_SEAL_SECONDS), including appending new, well-chained events: a
  superuser can write what the application writes;
- removing the newest seals together with the events they cover, then letting the sealer seal
  the altered log afresh: the chain is consistent again. Only a seal anchored outside the
  database catches that: ``verify_events`` prints the newest seal's number and digest (so does
  the sealer's log line), and ``verify_events --anchor N:DIGEST`` checks the log still holds it;
- anything at all by someone who also holds the key (the application's settings).

Seals are built after commit, from the gap-free log, never inside ``append``: chaining across
streams at write time would serialise every writer behind one lock (invariant 3). The newest
seal's ``last_checkpoint`` is the sealer's own checkpoint, so a seal and its checkpoint are one
row, written in one transaction with its stream heads. Two sealers racing for the same number
are settled by the primary key: the loser writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import msgspec
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction

from eventstore import clock, keys
from eventstore.checkpoints import START, encode_checkpoint
from eventstore.hashing import GENESIS
from eventstore.log import read_all
from eventstore.models import Seal, SealedStream

logger = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class Batch:
    """The events of one seal, digested as they come, with each stream's count and head."""

    number: int
    previous_digest: str
    first_checkpoint: str = ""
    last_checkpoint: str = ""
    events: int = 0
    streams: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    _lines: hashlib._Hash = field(default_factory=hashlib.sha256)

    def add(self, position: int, stream_id: str, version: int, digest: str, tx_id: int) -> None:
        """Take the next event of the log, in commit order."""
        checkpoint = encode_checkpoint(tx_id, position)
        self.first_checkpoint = self.first_checkpoint or checkpoint
        self.last_checkpoint = checkpoint
        self.events += 1
        self._lines.update(msgspec.json.encode([position, stream_id, version, digest]) + b"\n")
        count = self.streams.get(stream_id, (0, 0, ""))[0]
        self.streams[stream_id] = (count + 1, version, digest)

    def digest(self) -> str:
        """The seal's digest: its place in the chain, its range and every event in order."""
        head = [
            self.number,
            self.previous_digest,
            self.first_checkpoint,
            self.last_checkpoint,
            self.events,
        ]
        return seal_digest(head, self._lines.hexdigest())


def seal_digest(head: list[object], lines_digest: str) -> str:
    """sha-256 over a seal's fields and the digest of its event lines."""
    return hashlib.sha256(msgspec.json.encode([*head, lines_digest])).hexdigest()


Heads = list[list[object]]  # [[stream, events, last version, last hash], ...], sorted


def mac_message(number: int, digest: str, heads: Heads | None = None) -> bytes:
    """What a seal's MAC authenticates: with ``heads`` (format 2) they are covered too.

    The two formats' messages differ in their prefix, so a format 2 seal cannot pass as one of
    format 1 by having its heads removed.
    """
    if heads is None:
        return f"eventstore.seal:{number}:{digest}".encode()
    return f"eventstore.seal.v2:{number}:{digest}:{heads_digest(heads)}".encode()


def heads_digest(heads: Heads) -> str:
    """sha-256 over a seal's stream heads, in their sorted order."""
    return hashlib.sha256(msgspec.json.encode(heads)).hexdigest()


def heads_of(streams: dict[str, tuple[int, int, str]]) -> Heads:
    """A batch's stream heads in the form a seal stores and authenticates."""
    return [[stream_id, *streams[stream_id]] for stream_id in sorted(streams)]


def newest_seal(*, using: str = DEFAULT_DB_ALIAS) -> Seal | None:
    """The last seal written, or None before the first."""
    return Seal.objects.using(using).order_by("-number").first()


def seal_new_events(*, batch: int = BATCH, using: str = DEFAULT_DB_ALIAS) -> int:
    """Seal every event of the log not sealed yet, ``batch`` events per seal at most.

    Returns how many seals were written (0 when another sealer got there first).
    """
    written = 0
    while True:
        try:
            sealed = _seal_next(batch, using)
        except IntegrityError:
            logger.info("another sealer wrote the next seal; leaving the rest to it")
            return written
        if sealed is None:
            return written
        written += 1
        if sealed.events < batch:
            return written


def _seal_next(limit: int, using: str) -> Seal | None:
    with transaction.atomic(using=using):
        newest = newest_seal(using=using)
        # Only positions and hashes are sealed: nothing personal needs opening.
        page = read_all(
            newest.last_checkpoint if newest else START, limit=limit, opened=False, using=using
        )
        if not page.events:
            return None
        batch = Batch(
            number=newest.number + 1 if newest else 1,
            previous_digest=newest.digest if newest else GENESIS,
        )
        for event in page.events:
            batch.add(event.position, event.stream_id, event.version, event.hash, event.tx_id)
        seal = _write(batch, using)
    # A line outside the database: shipped logs anchor the seal chain (see the module's why).
    logger.info(
        "sealed #%d, %d events to %s: %s",
        seal.number,
        seal.events,
        seal.last_checkpoint,
        seal.digest,
    )
    return seal


def _write(batch: Batch, using: str) -> Seal:
    digest = batch.digest()
    heads = heads_of(batch.streams)
    seal = Seal.objects.using(using).create(
        number=batch.number,
        previous_digest=batch.previous_digest,
        first_checkpoint=batch.first_checkpoint,
        last_checkpoint=batch.last_checkpoint,
        events=batch.events,
        digest=digest,
        mac=keys.sign(mac_message(batch.number, digest, heads)),
        sealed_at=clock.now(),
        heads=heads,
    )
    SealedStream.objects.using(using).bulk_create(_heads(batch.number, batch.streams.items()))
    return seal


def _heads(number: int, streams: Iterable[tuple[str, tuple[int, int, str]]]) -> list[SealedStream]:
    return [
        SealedStream(seal=number, stream_id=stream_id, events=count, last_version=v, last_hash=h)
        for stream_id, (count, v, h) in streams
    ]
