"""One projection split into shards: the same rows as one runner, whatever the split."""

from __future__ import annotations

import pytest
from django.test import override_settings

from carts.application.commands import ChangeQuantity, CheckOut, RemoveItem
from carts.application.handler import Context, handle
from projections import rebuild as rebuilding
from projections import runner
from projections.registry import names
from projections.selectors import projection_statuses
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
