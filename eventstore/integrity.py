"""One stream's integrity as a reader should show it: chain, seals, recorded breaches, snapshot.

What the read paths (a cart's history, the API, the audit timeline) ask before they show a
stream, and what a command that turns a stream into money asks before it decides. It re-hashes
the whole stream (eventstore.verify, the one implementation of the chain check), so an edit
that left the chain broken is seen at once, before anyone ran ``verify_events``; compares the
stream with the head its newest seal recorded and checks that the seals recorded it as far as
they cover it (eventstore.coverage), so removing its newest events is seen too; and adds what
``verify_events`` recorded (eventstore.breaches), which covers edits made with the chain
recomputed. A snapshot that fails its check is named as well, though it is never used.

What a check finds wrong with the stream's events is recorded as a breach at once, so that
every later command on it is refused by its tail read (eventstore.tail) without re-hashing
anything. A snapshot that fails is not: it is a cache, never used, and the events it would
have stood for are intact, so it is reported but does not close the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore import breaches, keys, snapshots
from eventstore.coverage import head_problem, unrecorded_problem
from eventstore.models import Seal
from eventstore.seals import mac_message
from eventstore.verify import StreamReport, verify_stream

# The newest seal's last checkpoint, with the newest head a seal recorded of the stream and the
# hash the stream holds at that version; no row before the first seal.
_SEALED_HEAD = (
    "SELECT n.last_checkpoint, s.seal, s.last_version, s.last_hash, e.hash"
    " FROM (SELECT last_checkpoint FROM eventstore_seal ORDER BY number DESC LIMIT 1) AS n"
    " LEFT JOIN (SELECT seal, stream_id, last_version, last_hash FROM eventstore_sealedstream"
    "  WHERE stream_id = %s ORDER BY seal DESC LIMIT 1) AS s ON 1 = 1"
    " LEFT JOIN eventstore_event e ON e.stream_id = s.stream_id AND e.version = s.last_version"
)


@dataclass(frozen=True)
class StreamIntegrity:
    """Whether one stream passed every check; ``problems`` say what failed, in plain words."""

    stream_id: str
    events: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """ "intact" or "broken", as every interface says it (X-Integrity, exports, pages)."""
        return "intact" if self.intact else "broken"


def check_stream(stream_id: str, *, using: str = DEFAULT_DB_ALIAS) -> StreamIntegrity:
    """Check one stream now: chain, sealed heads, recorded breaches and snapshot.

    Records what it finds wrong with the events as breaches (see the module).
    """
    chain = verify_stream(stream_id, using=using)
    problems = history_problems(stream_id, chain=chain, using=using)
    problems += [p for p in breaches.recorded(stream_id, using=using) if p not in problems]
    problems += [p for _, p in snapshots.bad_snapshots(stream_id=stream_id, using=using)]
    return StreamIntegrity(stream_id, chain.events, tuple(problems))


def history_problems(
    stream_id: str, *, chain: StreamReport | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """What is wrong with the stream's events now (empty when nothing), recorded as breaches.

    Re-hashes the whole stream unless ``chain`` is its report already; compares it with its
    sealed heads. A problem recorded before is not recorded again.
    """
    chain = chain or verify_stream(stream_id, using=using)
    problems = [chain.breach.in_stream] if chain.breach else []
    problems += sealed_head_problems(chain, using=using)
    if problems:
        known = set(breaches.recorded(stream_id, using=using))
        breaches.record([(stream_id, p) for p in problems if p not in known], using=using)
    return problems


def _unauthenticated_head(
    stream_id: str, number: int, version: int, sealed_hash: str, using: str
) -> list[str]:
    """Whether the stream's record in ``eventstore_sealedstream`` is what its seal's MAC covers.

    Those rows are a fast index, and a superuser can rewrite them to match an edited stream; the
    heads inside a format 2 seal are authenticated with the seal, so the row must agree with
    them. (A format 1 seal authenticates no heads: its rows are trusted as they are.)
    """
    seal = Seal.objects.using(using).filter(number=number).first()
    if seal is None or seal.heads is None:
        return [] if seal is not None else [f"seal #{number}, which recorded this stream, is gone"]
    if not keys.is_signed(mac_message(seal.number, seal.digest, seal.heads), seal.mac):
        return [f"seal #{number} fails its MAC: it was altered"]
    head = next((h for h in seal.heads if h[0] == stream_id), None)
    if head is None or (int(head[2]), str(head[3])) != (version, sealed_hash):
        return [f"seal #{number}: its record of this stream differs from what the seal signed"]
    return []


def sealed_head_problems(chain: StreamReport, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """How the stream (as ``chain`` read it) differs from what the seals recorded of it."""
    with connections[using].cursor() as cursor:
        cursor.execute(_SEALED_HEAD, [chain.stream_id])
        row = cursor.fetchone()
    if row is None:
        return []
    sealed_until, number, version, sealed_hash, found = row
    problems = []
    if number is not None and sealed_hash != found:
        problems.append(f"seal #{number}: {head_problem(number, version, found is None)}")
    if number is not None:
        problems += _unauthenticated_head(chain.stream_id, number, version, sealed_hash, using)
    unrecorded = unrecorded_problem(
        sealed_until=sealed_until,
        sealed_version=version,
        version=chain.version,
        first_at=chain.first_at,
        head_at=chain.head_at,
    )
    return problems + ([unrecorded] if unrecorded else [])


def ever_sealed(stream_id: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a seal recorded the stream: it had events, whatever the table holds now."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM eventstore_sealedstream WHERE stream_id = %s LIMIT 1", [stream_id]
        )
        return cursor.fetchone() is not None
