"""One stream's integrity as a reader should show it: chain, seals, recorded breaches, snapshot.

What the read paths (a cart's history, the API, the audit timeline) ask before they show a
stream. It re-hashes the stream (eventstore.verify, the one implementation of the chain check),
so an edit that left the chain broken is seen at once, before anyone ran ``verify_events``;
compares the stream with the head its newest seal recorded, so removing its newest events is
seen too; and adds what ``verify_events`` recorded (eventstore.breaches), which covers edits
made with the chain recomputed. A snapshot that fails its check is named as well, though it is
never used.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore import breaches, snapshots
from eventstore.seal_check import head_problem
from eventstore.verify import verify_stream

# The newest head a seal recorded of the stream, and the hash the stream holds at that version.
_SEALED_HEAD = (
    "SELECT s.seal, s.last_version, s.last_hash, e.hash FROM eventstore_sealedstream s"
    " LEFT JOIN eventstore_event e ON e.stream_id = s.stream_id AND e.version = s.last_version"
    " WHERE s.stream_id = %s ORDER BY s.seal DESC LIMIT 1"
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


def check_stream(
    stream_id: str, *, since_version: int = 0, using: str = DEFAULT_DB_ALIAS
) -> StreamIntegrity:
    """Check one stream now: chain, newest sealed head, recorded breaches and snapshot.

    ``since_version`` re-hashes only the events after it (see verify_stream): for a reader
    that served the stream's state from a snapshot checked and bound to that version's hash.
    Edits before it are what ``verify_events`` finds and records as breaches, reported here.
    """
    chain = verify_stream(stream_id, since_version=since_version, using=using)
    problems = [chain.breach.in_stream] if chain.breach else []
    problems += sealed_head_problems(stream_id, using=using)
    problems += [p for p in breaches.recorded(stream_id, using=using) if p not in problems]
    problems += [p for _, p in snapshots.bad_snapshots(stream_id=stream_id, using=using)]
    return StreamIntegrity(stream_id, chain.events, tuple(problems))


def sealed_head_problems(stream_id: str, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """How the stream differs from the head its newest seal recorded (empty when it does not)."""
    with connections[using].cursor() as cursor:
        cursor.execute(_SEALED_HEAD, [stream_id])
        row = cursor.fetchone()
    if row is None or row[2] == row[3]:
        return []
    number, version, _, found = row
    return [f"seal #{number}: {head_problem(number, version, found is None)}"]
