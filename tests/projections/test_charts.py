"""Chart geometry: bars are as long as the numbers they stand for."""

from __future__ import annotations

import itertools

import pytest

from projections.charts import bar_chart, column_chart, nice_ceiling


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (20, 20), (51, 100)]
)
def test_the_axis_ends_at_the_next_round_number(value: float, ceiling: int) -> None:
    assert nice_ceiling(value) == ceiling


def test_column_heights_are_proportional_and_sit_on_the_baseline() -> None:
    chart = column_chart(["Mon", "Tue"], [[4, 10], [2, 0]], height=220, margin_bottom=20)
    plot = chart.plot_bottom - chart.plot_top
    bars = [bar for group in chart.groups for bar in group.bars]
    assert [bar.value for bar in bars] == [4, 2, 10, 0]
    for bar in bars:
        assert bar.height == pytest.approx(bar.value / 10 * plot, abs=0.01)
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom, abs=0.01)
    assert [g.label for g in chart.groups] == ["Mon", "Tue"]
    assert [tick for _, tick in chart.gridlines] == [0, 5, 10]


def test_columns_of_one_day_sit_side_by_side_without_overlapping() -> None:
    chart = column_chart(["Mon"], [[1], [2], [3]])
    bars = chart.groups[0].bars
    for left, right in itertools.pairwise(bars):
        assert left.x + left.width <= right.x


def test_horizontal_bars_are_as_long_as_their_share_of_the_largest() -> None:
    chart = bar_chart([("A", 8), ("B", 2), ("C", 0)], width=500, label_width=100, value_room=40)
    assert [bar.width for bar in chart.bars] == [360, 90, 0]
    assert [bar.end for bar in chart.bars] == [460, 190, 100]
    assert chart.bars[0].y < chart.bars[1].y < chart.bars[2].y


def test_charts_of_nothing_are_empty_rather_than_broken() -> None:
    assert column_chart([], []).groups == ()
    assert bar_chart([]).bars == ()
