"""Moments as people write them: the unit each names, in UTC unless an offset is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from carts.application.moments import MICROSECOND, MILLISECOND, Moment, parse_moment


@pytest.mark.parametrize(
    ("text", "start", "unit"),
    [
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC), timedelta(days=1)),
        ("2026-03-01T10:15", datetime(2026, 3, 1, 10, 15, tzinfo=UTC), timedelta(minutes=1)),
        ("2026-03-01 10:15:42", datetime(2026, 3, 1, 10, 15, 42, tzinfo=UTC), timedelta(seconds=1)),
        (
            "2026-03-01T10:15:42.13",
            datetime(2026, 3, 1, 10, 15, 42, 130_000, tzinfo=UTC),
            timedelta(milliseconds=10),
        ),
        (
            "2026-03-01T10:15:42.130Z",
            datetime(2026, 3, 1, 10, 15, 42, 130_000, tzinfo=UTC),
            MILLISECOND,
        ),
        (
            "2026-03-01T10:15:42.130001+02:00",
            datetime(2026, 3, 1, 10, 15, 42, 130_001, tzinfo=timezone(timedelta(hours=2))),
            timedelta(microseconds=1),
        ),
    ],
)
def test_a_moment_names_the_unit_it_was_written_to(text, start, unit):
    assert parse_moment(text) == Moment(start, unit)


def test_a_fraction_finer_than_a_microsecond_names_the_microsecond_it_falls_in():
    moment = parse_moment("2026-03-01T10:15:42.1234567Z")
    assert moment == Moment(datetime(2026, 3, 1, 10, 15, 42, 123_456, tzinfo=UTC), MICROSECOND)


def test_the_last_instant_of_a_unit_is_its_last_microsecond_in_utc():
    moment = parse_moment("2026-03-01T12:15:42+02:00")
    assert moment.last_instant == datetime(2026, 3, 1, 10, 15, 42, 999_999, tzinfo=UTC)
    assert moment.at_most(MILLISECOND).last_instant == datetime(
        2026, 3, 1, 10, 15, 42, 999, tzinfo=UTC
    )


def test_a_moment_at_the_end_of_the_calendar_has_a_last_instant():
    assert parse_moment("9999-12-31").last_instant == datetime.max.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["soon", "2026-02-30", "2026-03-01T25:00", "2026-03-01T10",
     "2026-03-01T10:15+24:00", "２０２６-03-01", ""],
)  # fmt: skip
def test_anything_else_is_refused_naming_the_shape_to_send(text):
    with pytest.raises(ValueError, match="Give a moment as YYYY-MM-DD"):
        parse_moment(text)
