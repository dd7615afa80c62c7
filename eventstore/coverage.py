"""Whether the seals recorded a stream as far as they covered it.

Each seal records the head of every stream it covers (eventstore_sealedstream), and a stream's
read paths compare the stream with its newest recorded head. That comparison alone trusts the
head rows to be there: a superuser who deletes a stream's head rows together with its newest
events (a checkout) leaves a shorter stream that matches whatever head is left, or none at all.
So the head rows must be as far along as the seals go: if any event of the stream lies within
the sealed part of the log, some seal recorded the stream; and if its newest event does, the
newest recorded head is that event. Both are read with the stream's tail, by indexed look-ups.
"""

from __future__ import annotations

from eventstore.checkpoints import decode_checkpoint

Place = tuple[int, int]  # an event's (transaction, position): its order in the log


def head_problem(number: int, version: int, missing: bool) -> str:
    """How a stream's head differs from what seal ``number`` recorded of it."""
    if missing:
        return f"it sealed version {version} of the stream, which is gone: events were removed"
    return f"version {version} of the stream is not the event it sealed: it was altered"


def unrecorded_problem(
    *,
    sealed_until: str | None,
    sealed_version: int | None,
    version: int,
    first_at: Place | None,
    head_at: Place | None,
) -> str:
    """Why the seals should hold a newer record of the stream than they do ("" when not).

    ``sealed_until`` is the newest seal's last checkpoint (None before the first seal);
    ``sealed_version`` the version the newest seal that records the stream recorded (None when
    none does); ``version`` the stream's version now; ``first_at`` and ``head_at`` where its
    oldest and newest events lie in the log (None for a stream without events).
    """
    if sealed_until is None or first_at is None or head_at is None:
        return ""
    bound = decode_checkpoint(sealed_until)
    if sealed_version is None and first_at <= bound:
        return (
            "its events lie within the sealed log, yet no seal records the stream: the seals'"
            " record of it was removed"
        )
    if sealed_version is not None and sealed_version < version and head_at <= bound:
        return (
            f"its version {version} lies within the sealed log, yet the newest seal record of"
            f" the stream is of version {sealed_version}: a seal's record of it was removed"
        )
    return ""
