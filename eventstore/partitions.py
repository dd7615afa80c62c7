"""Splitting the global log between competing readers by a stable hash of the stream id.

A reader given ``Partition(member=k, size=n)`` receives only the events of streams whose hash
falls in its part (hash modulo n equals k), in the log's order. Every stream belongs to exactly
one part, so n readers together see every event once, and each stream's events reach one
reader in their order. This is message-db's consumer groups (``consumer_group_member``,
``consumer_group_size`` of get_category_messages, hashing the stream's id) and the idea behind
Axon's segments and Commanded's ``partition_by``.

The hash is the first 32 bits of the MD5 digest of the stream id, as an unsigned number: MD5
because both databases can compute it inside the page query (PostgreSQL's ``md5()``, a function
registered on SQLite connections), so a reader is sent only its own rows; not for security.
Changing it would move streams between parts, so it is fixed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

MAX_SIZE = 64
SQLITE_FUNCTION = "eventstore_stream_hash"


def stream_hash(stream_id: str) -> int:
    """The stream's partition hash: MD5's first 32 bits, unsigned (0 <= hash < 2**32)."""
    return int(hashlib.md5(stream_id.encode(), usedforsecurity=False).hexdigest()[:8], 16)


@dataclass(frozen=True)
class Partition:
    """Part ``member`` of ``size`` equal parts of the log (0 <= member < size <= MAX_SIZE)."""

    member: int
    size: int

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_SIZE:
            raise ValueError(f"a log is split in 1 to {MAX_SIZE} parts, not {self.size}")
        if not 0 <= self.member < self.size:
            raise ValueError(f"part {self.member} does not exist: use 0 to {self.size - 1}")

    @property
    def whole(self) -> bool:
        """Whether this part is the whole log (a size of one)."""
        return self.size == 1

    def holds(self, stream_id: str) -> bool:
        """Whether the stream's events belong to this part."""
        return stream_hash(stream_id) % self.size == self.member


WHOLE = Partition(0, 1)


def register_sqlite_function(connection: Any) -> None:
    """Make ``eventstore_stream_hash(text)`` callable in SQL on a new sqlite3 connection."""
    connection.create_function(SQLITE_FUNCTION, 1, _sqlite_hash, deterministic=True)


def _sqlite_hash(stream_id: str | None) -> int | None:
    return None if stream_id is None else stream_hash(stream_id)
