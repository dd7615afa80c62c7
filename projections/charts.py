"""Geometry for the admin's analytics charts, drawn as SVG by templates.

Why our own few lines rather than a chart library: the admin has no JavaScript build, a JS
chart library would be the only script on otherwise server-rendered pages, and a bar chart is
rectangles whose sizes are proportions. Computing them here keeps the templates dumb, works
without JavaScript, and lets tests check the numbers the bars stand for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One rectangle of a chart, with the value it stands for and where its label goes."""

    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    series: int = 0

    @property
    def end(self) -> float:
        """Where the bar ends along its length (for a value label just past it)."""
        return round(self.x + self.width, 2)


@dataclass(frozen=True)
class Group:
    """Bars that share one category (one day of the funnel), and the category's label."""

    label: str
    label_x: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class ColumnChart:
    """Columns grouped by category, series side by side; gridlines at round values."""

    width: float
    height: float
    plot_top: float
    plot_bottom: float
    groups: tuple[Group, ...]
    gridlines: tuple[tuple[float, int], ...]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per category, longest first, labelled with their values."""

    width: float
    height: float
    label_width: float
    bars: tuple[Bar, ...]


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``value`` (1 for nothing)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def column_chart(
    categories: Sequence[str],
    series: Sequence[Sequence[float]],
    *,
    width: float = 760,
    height: float = 260,
    margin_left: float = 36,
    margin_bottom: float = 28,
) -> ColumnChart:
    """Grouped columns: ``series[s][c]`` is the value of series ``s`` in category ``c``."""
    top, bottom = 12.0, height - margin_bottom
    peak = nice_ceiling(max((v for values in series for v in values), default=0))
    scale = (bottom - top) / peak
    slot = (width - margin_left) / max(len(categories), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    groups = []
    for c, category in enumerate(categories):
        left = margin_left + c * slot + slot * 0.1
        bars = tuple(
            Bar(
                x=round(left + s * bar_width, 2),
                y=round(bottom - values[c] * scale, 2),
                width=round(bar_width - 1, 2),
                height=round(values[c] * scale, 2),
                value=values[c],
                label=category,
                series=s,
            )
            for s, values in enumerate(series)
        )
        groups.append(Group(category, round(margin_left + (c + 0.5) * slot, 2), bars))
    ticks = tuple((round(bottom - tick * scale, 2), tick) for tick in _ticks(peak))
    return ColumnChart(width, height, top, bottom, tuple(groups), ticks)


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    width: float = 760,
    row_height: float = 26,
    label_width: float = 220,
    value_room: float = 60,
) -> BarChart:
    """One horizontal bar per (label, value) in the order given, scaled to the largest value."""
    peak = max((value for _, value in rows), default=0) or 1
    usable = width - label_width - value_room
    bars = tuple(
        Bar(
            x=label_width,
            y=i * row_height + 4,
            width=round(value / peak * usable, 2),
            height=row_height - 8,
            value=value,
            label=label,
        )
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(width, max(len(rows), 1) * row_height + 4, label_width, bars)


def _ticks(peak: int) -> list[int]:
    step = peak // 4 if peak >= 4 and peak % 4 == 0 else peak // 2 if peak % 2 == 0 else peak
    return list(range(0, peak + 1, max(step, 1)))
