"""A moment as a person writes it, with the precision they wrote it at.

Time travel picks the last event recorded within the unit a moment names: ``2026-03-01T10:15``
means the whole minute 10:15, ``...T10:15:42`` the whole second, ``...T10:15:42.130`` that
millisecond, and six fractional digits a single microsecond (the precision events are recorded
at). So the moment of an event, written at any precision down to the one it is shown at, selects
that event (or a later one within the same unit, which that precision cannot tell apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

MICROSECOND = timedelta(microseconds=1)
MILLISECOND = timedelta(milliseconds=1)

# ISO 8601 / RFC 3339 as people and clients write it: a date, optionally a time to the minute,
# second or a fraction of one, optionally an offset; no offset means UTC.
_MOMENT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


@dataclass(frozen=True)
class Moment:
    """The unit of time that starts at ``start`` (timezone-aware) and lasts ``unit``."""

    start: datetime
    unit: timedelta

    @property
    def last_instant(self) -> datetime:
        """The last microsecond within the unit, in UTC: events recorded up to it are in."""
        try:
            return (self.start + self.unit - MICROSECOND).astimezone(UTC)
        except OverflowError:  # a moment at the calendar's edge
            return datetime.max.replace(tzinfo=UTC) if self.start.year > 1 else _FIRST_INSTANT

    def at_most(self, unit: timedelta) -> Moment:
        """The same moment read at least as finely as ``unit`` (a picker's own precision)."""
        return Moment(self.start, min(self.unit, unit))


_FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
SHAPE = (
    "Give a moment as YYYY-MM-DDTHH:MM[:SS[.ffffff]], UTC unless it ends in an offset such as"
    " Z or +02:00."
)


def parse_moment(text: str) -> Moment:
    """The moment ``text`` names (ISO 8601, UTC unless it carries an offset), at its precision.

    Raises ValueError naming the expected shape when ``text`` is not such a moment.
    """
    found = _MOMENT.fullmatch(text.strip())
    if found is None:
        raise ValueError(SHAPE)
    parts = found.groupdict()
    fraction = (parts["fraction"] or "")[:6]  # finer than events are recorded: that microsecond
    try:
        start = datetime.fromisoformat(parts["date"]).replace(
            hour=int(parts["hour"] or 0),
            minute=int(parts["minute"] or 0),
            second=int(parts["second"] or 0),
            microsecond=int(fraction.ljust(6, "0")),
            tzinfo=_zone(parts["zone"]),
        )
    except ValueError as impossible:  # 30 February, 25 o'clock, a 24-hour offset
        raise ValueError(f"{impossible}. {SHAPE}") from None
    return Moment(start, _unit(parts))


def moment_text(moment: datetime) -> str:
    """``2026-03-01T10:15:42.000000Z``: ``moment`` in UTC to the microsecond (the precision
    events are recorded at), so that, read back by parse_moment, it names exactly that moment.
    """
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _unit(parts: dict[str, str | None]) -> timedelta:
    if parts["fraction"]:
        return timedelta(microseconds=10 ** (6 - min(len(parts["fraction"]), 6)))
    if parts["second"]:
        return timedelta(seconds=1)
    return timedelta(minutes=1) if parts["hour"] else timedelta(days=1)


def _zone(text: str | None) -> timezone:
    if not text or text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset >= timedelta(hours=24):
        raise ValueError("a UTC offset lies between -23:59 and +23:59")
    return timezone(sign * offset)
