"""Checkpoints: opaque positions in the global log that a reader keeps to resume from.

A checkpoint is the (writing transaction, position) pair of the last event a reader was given,
written as text. Callers store it and pass it back; they never look inside.
"""

from __future__ import annotations

from typing import Final

from django.db import DEFAULT_DB_ALIAS, connections

from eventstore.models import Event

START: Final = ""


def head_checkpoint(*, using: str = DEFAULT_DB_ALIAS) -> str:
    """The checkpoint just after the last event currently readable by read_all (START if none).

    A reader starting there misses no event committed afterwards. It may also be given a few
    committed just before. On PostgreSQL read_all holds back the events of transactions younger
    than the oldest one still writing (the horizon), and so does this head: a transaction in
    flight now sorts before every younger one, so a head at the newest committed event would
    lie past the events it commits later, and a reader starting there would never get them.
    The younger ones committed already come after this head instead: the safe side, an event
    from before the reader started rather than a lost one. On SQLite, the newest event.
    """
    # Imported here: the backends import eventstore.rows, which needs encode_checkpoint below.
    from eventstore.backends import backend_for

    connection = connections[using]
    with connection.cursor() as cursor:
        backend_for(connection).select_readable_head(cursor)
        last = cursor.fetchone()
    return encode_checkpoint(*last) if last else START


def checkpoint_reached(checkpoint: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``checkpoint`` is one read_all can have handed out: the start, or the place of an
    event the log holds. A reader that stored one made up, or one beyond the head, would
    otherwise skip every event written up to it. Raises ValueError if malformed."""
    tx_id, position = decode_checkpoint(checkpoint)
    if checkpoint == START:
        return True
    return Event.objects.using(using).filter(position=position, tx_id=tx_id).exists()


def checkpoint_beyond_head(checkpoint: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``checkpoint`` names a position past every event the log holds (one it has not
    reached yet, rather than one that names no event). Raises ValueError if malformed."""
    position = decode_checkpoint(checkpoint)[1]
    return not Event.objects.using(using).filter(position__gte=position).exists()


def checkpoint_position(checkpoint: str) -> int:
    """The global position of the last event a checkpoint covers (0 for the start)."""
    return decode_checkpoint(checkpoint)[1]


def checkpoint_covers(checkpoint: str, position: int, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a reader at ``checkpoint`` has already been given the event at ``position``."""
    row = Event.objects.using(using).filter(position=position).values_list("tx_id").first()
    if row is None:
        return False
    return (row[0], position) <= decode_checkpoint(checkpoint)


def decode_checkpoint(checkpoint: str) -> tuple[int, int]:
    """The (transaction, position) pair inside a checkpoint; raises ValueError if malformed."""
    if checkpoint == START:
        return (-1, 0)
    refusal = f"malformed checkpoint {checkpoint!r}: pass back one that read_all returned"
    try:
        tx_text, position_text = checkpoint.split(":")
        decoded = int(tx_text), int(position_text)
    except (ValueError, AttributeError):
        raise ValueError(refusal) from None
    # Only the spelling encode_checkpoint writes: int() would also take "+1", "1_0" or "01",
    # which name the same event under another string a consumer might store and compare.
    if encode_checkpoint(*decoded) != checkpoint:
        raise ValueError(refusal)
    return decoded


def encode_checkpoint(tx_id: int, position: int) -> str:
    """The checkpoint just after the event at (transaction, position)."""
    return f"{tx_id}:{position}"
