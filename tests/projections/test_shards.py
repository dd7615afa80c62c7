"""One projection split into shards: the same rows as one runner, whatever the split."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from carts.application.commands import ChangeQuantity, CheckOut, RemoveItem
from carts.application.handler import Context, handle
from config.settings import _projection_shards
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import names
from projections.selectors import projection_statuses
from projections.shards import check_shard_setting
from projections.state import ProjectionShard, ProjectionState
from tests.checkout_details import DETAILS
from tests.projections.conftest import active_rows

pytestmark = pytest.mark.django_db


def _history(new_cart, meta) -> None:
    """Carts that add, change, remove and check out the same SKUs on the same day."""
    for n in range(12):
        cart_id = new_cart({"TEA-001": 1 + n % 3, "MUG-001": 1})
        if n % 3 == 0:
            handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=5), Context.system(meta))
        if n % 4 == 1:
            handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
        if n % 2 == 0:
            handle(CheckOut(cart_id=cart_id, details=DETAILS), Context.system(meta))


def _everything() -> dict[str, dict]:
    return {name: active_rows(name) for name in names()}


@pytest.mark.parametrize("shards", [2, 3, 4])
def test_a_split_projection_caught_up_shard_by_shard_equals_one_runner(new_cart, meta, shards):
    _history(new_cart, meta)
    for name in names():
        rebuilding.rebuild(name)
    single = _everything()

    with override_settings(PROJECTIONS_SHARDS=shards):
        for name in names():
            rebuilding.rebuild(name)
        assert {s.shard_count for s in ProjectionState.objects.all()} == {shards}
        _history(new_cart, meta)  # live, after the split
        for name in names():
            for shard in reversed(range(shards)):  # any order of shards gives the same rows
                runner.catch_up(name, shard=shard)
        split = _everything()
    for name in names():
        rebuilding.rebuild(name)  # back to one shard, over the whole history

    assert split == _everything()
    assert single != split  # the second half of the history is in both


def test_a_new_shard_count_takes_effect_with_the_next_rebuild(new_cart, meta, project):
    new_cart({"TEA-001": 1})
    project()
    with override_settings(PROJECTIONS_SHARDS={"cart_summaries": 3}):
        status = {s.name: s for s in projection_statuses()}["cart_summaries"]
        assert (status.shard_count, status.configured_shards) == (1, 3)

        rebuilding.rebuild("cart_summaries")

        status = {s.name: s for s in projection_statuses()}["cart_summaries"]
        assert (status.shard_count, status.state, status.lag_events) == (3, "live", 0)
        state = ProjectionState.objects.get(name="cart_summaries")
        shards = ProjectionShard.objects.filter(name="cart_summaries")
        assert sorted(shards.values_list("generation", "shard")) == [
            (state.active_generation, k) for k in range(3)
        ]


def test_the_status_command_says_what_is_configured_and_shows_each_shard(new_cart, project):
    new_cart({"TEA-001": 1})
    project()
    with override_settings(PROJECTIONS_SHARDS={"cart_summaries": 2}):
        out = StringIO()
        call_command("projections", "status", stdout=out)
        assert "  2 shards configured: from the next rebuild on" in out.getvalue()
        rebuilding.rebuild("cart_summaries")
        out = StringIO()
        call_command("projections", "status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "projection", "state", "position", "head", "lag", "lag", "s", "shards", "failing",
        "parked", "skipped",
    ]  # fmt: skip
    shard_lines = [line for line in lines if line.startswith("  shard ")]
    assert [line.split(":")[0] for line in shard_lines] == ["  shard 0", "  shard 1"]
    assert all(", lag 0 events (0.0 s), checkpoint " in line for line in shard_lines)
    assert "configured" not in out.getvalue()


def test_the_status_columns_stay_apart_however_wide_the_numbers(project) -> None:
    project()
    wide = replace(projection_statuses()[0], lag_events=8000, lag_seconds=28837179.4)
    with mock.patch(
        "projections.management.commands.projections.projection_statuses", return_value=[wide]
    ):
        out = StringIO()
        call_command("projections", "status", stdout=out)
    row = out.getvalue().splitlines()[1].split()
    assert row[4:6] == ["8000", "28837179.4"]


def test_lag_is_counted_per_shard_and_in_seconds_from_the_oldest_waiting_event(new_cart, project):
    project()
    with override_settings(PROJECTIONS_SHARDS=2):
        for name in names():
            rebuilding.rebuild(name)
        new_cart({"TEA-001": 1})
        new_cart({"MUG-001": 2})
        status = {s.name: s for s in projection_statuses()}["cart_summaries"]

    assert status.lag_events == 4  # two carts, each created and filled
    assert sum(shard.lag_events for shard in status.shards) == 4
    assert status.lag_seconds >= 0 and status.state == "catching_up"
    assert status.position < status.head_position


def test_a_stalled_rebuild_shard_is_resumed_from_its_checkpoint_and_switched(
    new_cart, meta, project
):
    _history(new_cart, meta)
    project()
    live = {name: active_rows(name) for name in names()}
    with override_settings(PROJECTIONS_SHARDS=2, PROJECTIONS_REBUILD_STALE_SECONDS=1):
        generation, _ = rebuilding.start("cart_summaries")
        rebuilding._rebuild_batch("cart_summaries", generation, 0, batch_size=5)  # then killed
        done = ProjectionShard.objects.get(generation=generation, shard=0).checkpoint
        ProjectionShard.objects.filter(generation=generation).update(
            heartbeat_at=timezone.now() - timedelta(seconds=5)
        )
        assert _state("cart_summaries") == "stalled"

        assert rebuilding.resume_stalled("cart_summaries") == [0, 1]

        assert ProjectionState.objects.get(name="cart_summaries").active_generation == generation
        assert _state("cart_summaries") == "live"
    assert done  # shard 0 went on from where it was, not from the start
    assert live == {name: active_rows(name) for name in names()}


def _state(name: str) -> str:
    return {s.name: s for s in projection_statuses()}[name].state


@pytest.mark.parametrize(
    "text",
    [
        *("abc", "[2]", "2.5", '{"cart_summaries": 2.5}', '{"cart_summaries": "2"}', "{bad"),
        *("2_0", "\u0663", "+2", '{"cart_summaries": 2, "cart_summaries": 5}', "", "true"),
    ],
)
def test_a_shard_setting_that_is_no_whole_number_is_refused_naming_the_variable(text) -> None:
    with pytest.raises(ImproperlyConfigured, match="PROJECTIONS_SHARDS must be a whole number"):
        _projection_shards(text)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (0, "PROJECTIONS_SHARDS for cart_summaries must be 1 to 64, not 0"),
        (65, "must be 1 to 64, not 65"),
        ({"daily_funnel": -1}, "PROJECTIONS_SHARDS for daily_funnel must be 1 to 64"),
        ({"nope": 2}, "PROJECTIONS_SHARDS names no projection 'nope'; the projections are"),
    ],
)
def test_a_shard_setting_out_of_range_or_naming_no_projection_stops_the_start(
    settings, setting, message
) -> None:
    settings.PROJECTIONS_SHARDS = setting
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        check_shard_setting()


def test_good_shard_settings_pass(settings) -> None:
    for setting in (1, 64, {"cart_summaries": 4}, {}):
        settings.PROJECTIONS_SHARDS = setting
        check_shard_setting()
    assert _projection_shards('{"cart_summaries": 4}') == {"cart_summaries": 4}
    assert _projection_shards("3") == 3
