"""Checking the seals against the log: one pass over both, in commit order.

Each seal's range is read again and its digest recomputed; the digest's MAC, the numbering
and the chain of digests are checked too. A mismatch names the seal, its range and the streams
that lost, gained or changed events, told by the stream heads the seal recorded: those its MAC
authenticates (format 2), or for a seal of format 1 its rows in eventstore_sealedstream. A
format 2 seal's rows must be exactly the heads it authenticates. Every recorded stream head must
still be in its stream with the same hash. See eventstore.seals for what this catches and what
it cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore import keys
from eventstore.checkpoints import decode_checkpoint
from eventstore.coverage import head_problem
from eventstore.hashing import GENESIS
from eventstore.models import Seal
from eventstore.seals import Batch, mac_message

_PAGE = 1000
_LOG = "SELECT position, stream_id, version, hash, tx_id FROM eventstore_event"


@dataclass(frozen=True)
class SealProblem:
    """One failed check of the seals; ``streams`` are the streams it concerns, when known."""

    seal: int | None
    problem: str
    streams: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"seal #{self.seal}: {self.problem}" if self.seal else self.problem


@dataclass
class SealReport:
    """The outcome of checking every seal, and the newest one (to anchor outside)."""

    seals: int = 0
    sealed_events: int = 0
    unsealed_events: int = 0
    newest: Seal | None = None
    problems: list[SealProblem] = field(default_factory=list)


def verify_seals(
    *, anchor: tuple[int, str] | None = None, using: str = DEFAULT_DB_ALIAS
) -> SealReport:
    """Check every seal against the log, and that the seal ``anchor`` (number, digest) is held."""
    report = SealReport()
    log, rows = _Log(using), _Rows(using)
    previous = Seal(number=0, digest=GENESIS, last_checkpoint="")
    for seal in _seals(using):
        report.seals += 1
        report.sealed_events += seal.events
        recorded = rows.of(seal.number)
        report.problems += _check_link(previous, seal)
        report.problems += _check_rows(seal, recorded)
        report.problems += _check_range(seal, log.until(seal.last_checkpoint), recorded)
        previous = report.newest = seal
    report.unsealed_events = sum(1 for _ in log.until(None))
    report.problems += _check_heads(using)
    if anchor is not None:
        report.problems += _check_anchor(anchor, using)
    return report


def _check_link(previous: Seal, seal: Seal) -> list[SealProblem]:
    problems = []
    if seal.number != previous.number + 1:
        missing = f"#{previous.number + 1} to #{seal.number - 1}"
        problems.append(SealProblem(seal.number, f"seals {missing} are missing: seals removed"))
    if seal.previous_digest != previous.digest:
        problems.append(SealProblem(seal.number, "it does not chain to the seal before it"))
    if not keys.is_signed(mac_message(seal.number, seal.digest, seal.heads), seal.mac):
        problems.append(
            SealProblem(
                seal.number,
                "its MAC is not valid: the seal was forged or altered, or the key is wrong",
            )
        )
    return problems


Heads = dict[str, tuple[int, int, str]]  # stream -> (events, last version, last hash)


def _authenticated(seal: Seal) -> Heads | None:
    # The heads inside a format 2 seal; whether they are genuine is its MAC's check.
    if seal.heads is None:
        return None
    return {str(h[0]): (int(h[1]), int(h[2]), str(h[3])) for h in seal.heads}


def _check_rows(seal: Seal, recorded: Heads) -> list[SealProblem]:
    heads = _authenticated(seal)
    if heads is None or heads == recorded:
        return []
    problem = (
        "its stream records (eventstore_sealedstream) differ from the heads it authenticates:"
        " rows were removed, inserted or altered"
    )
    return [SealProblem(seal.number, problem, _differing(heads, recorded))]


def _check_range(seal: Seal, rows: Iterator[tuple], recorded: Heads) -> list[SealProblem]:
    found = Batch(number=seal.number, previous_digest=seal.previous_digest)
    for row in rows:
        found.add(*row)
    # The range as recorded, with the events as found: equal digests mean equal events.
    found.first_checkpoint, found.last_checkpoint = seal.first_checkpoint, seal.last_checkpoint
    if found.digest() == seal.digest and found.events == seal.events:
        return []
    where = f"range {seal.first_checkpoint} to {seal.last_checkpoint}"
    problem = (
        f"{where}: sealed {seal.events} events, found {found.events}; the digest differs:"
        " events in it were removed, inserted or altered"
    )
    heads = _authenticated(seal)
    return [SealProblem(seal.number, problem, _differing(heads or recorded, found.streams))]


def _differing(recorded: Heads, found: Heads) -> tuple[str, ...]:
    names = set(recorded) | set(found)
    return tuple(sorted(n for n in names if recorded.get(n) != found.get(n)))


def _check_heads(using: str) -> list[SealProblem]:
    # Every stream head a seal recorded must still be there, unchanged: this names the stream
    # whose newest events were removed, or whose chain was recomputed after an edit.
    sql = (
        "SELECT s.seal, s.stream_id, s.last_version, e.hash FROM eventstore_sealedstream s"
        " LEFT JOIN eventstore_event e ON e.stream_id = s.stream_id AND e.version = s.last_version"
        " WHERE e.hash IS NULL OR e.hash <> s.last_hash ORDER BY s.seal, s.stream_id"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return [
        SealProblem(number, head_problem(number, version, found is None), (stream_id,))
        for number, stream_id, version, found in rows
    ]


def _check_anchor(anchor: tuple[int, str], using: str) -> list[SealProblem]:
    number, digest = anchor
    held = Seal.objects.using(using).filter(number=number).values_list("digest", flat=True).first()
    if held == digest:
        return []
    found = "is missing" if held is None else f"has digest {held}"
    return [
        SealProblem(
            number,
            f"the anchored seal (digest {digest}) {found}: the seal chain was cut or rewritten",
        )
    ]


def _seals(using: str) -> Iterator[Seal]:
    after = 0
    while page := list(
        Seal.objects.using(using).filter(number__gt=after).order_by("number")[:_PAGE]
    ):
        yield from page
        after = page[-1].number


class _Rows:
    """The eventstore_sealedstream rows, handed out seal by seal in number order."""

    def __init__(self, using: str) -> None:
        self._rows = self._read(using)
        self._next: tuple | None = next(self._rows, None)

    def of(self, number: int) -> Heads:
        """The heads recorded for seal ``number`` (rows of seals before it are passed over)."""
        heads: Heads = {}
        while self._next is not None and self._next[0] <= number:
            seal, stream_id, events, version, digest = self._next
            if seal == number:
                heads[stream_id] = (events, version, digest)
            self._next = next(self._rows, None)
        return heads

    @staticmethod
    def _read(using: str) -> Iterator[tuple]:
        with connections[using].chunked_cursor() as cursor:
            cursor.execute(
                "SELECT seal, stream_id, events, last_version, last_hash"
                " FROM eventstore_sealedstream ORDER BY seal, stream_id"
            )
            while rows := cursor.fetchmany(2000):
                yield from rows


class _Log:
    """The log's (position, stream, version, hash, tx) rows in commit order, handed out by range."""

    def __init__(self, using: str) -> None:
        self._rows = self._read(using)
        self._next: tuple | None = next(self._rows, None)

    def until(self, checkpoint: str | None) -> Iterator[tuple]:
        """The rows up to and including ``checkpoint`` (all that remain for None)."""
        bound = decode_checkpoint(checkpoint) if checkpoint is not None else None
        while self._next is not None and (bound is None or (self._next[4], self._next[0]) <= bound):
            yield self._next
            self._next = next(self._rows, None)

    @staticmethod
    def _read(using: str) -> Iterator[tuple]:
        # A server-side cursor on PostgreSQL keeps memory flat however long the log is.
        with connections[using].chunked_cursor() as cursor:
            cursor.execute(f"{_LOG} ORDER BY tx_id, position")
            while rows := cursor.fetchmany(2000):
                yield from rows
