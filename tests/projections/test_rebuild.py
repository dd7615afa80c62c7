import gc
from unittest import mock

import pytest

from carts.application.commands import (
    Abandon,
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    MergeCarts,
    RemoveDiscount,
    RemoveItem,
)
from carts.application.handler import Context, handle
from projections.models import CartSummary, ProjectionState
from projections.projectors.cart_summaries import CartSummaries
from projections.rebuild import RebuildFailed, RebuildSuperseded, rebuild
from projections.registry import names
from projections.selectors import cart_summaries, projection_statuses


class Killed(BaseException):
    """Stands in for a worker killed in the middle of a rebuild."""


@pytest.fixture
def history(new_cart, meta):
    """Carts that went through every kind of event."""
    bought = new_cart({"TEA-001": 2, "MUG-001": 1})
    handle(ApplyDiscount(cart_id=bought, code="FIVEOFF"), Context.system(meta))
    handle(ChangeQuantity(cart_id=bought, sku="TEA-001", quantity=4), Context.system(meta))
    handle(CheckOut(cart_id=bought), Context.system(meta))
    dropped = new_cart({"MUG-001": 3})
    handle(RemoveItem(cart_id=dropped, sku="MUG-001"), Context.system(meta))
    handle(Abandon(cart_id=dropped, reason="idle"), Context.system(meta))
    guest = new_cart({"TEA-001": 1}, owner_id="")
    handle(MergeCarts(source_cart_id=guest, target_cart_id=new_cart()), Context.system(meta))
    in_dollars = new_cart({"USD-001": 1})
    handle(ApplyDiscount(cart_id=in_dollars, code="WELCOME10"), Context.system(meta))
    handle(RemoveDiscount(cart_id=in_dollars), Context.system(meta))
    return [bought, dropped, guest, in_dollars]


def _generation(name):
    return ProjectionState.objects.get(name=name).active_generation


@pytest.mark.parametrize("name", names())
def test_a_rebuild_gives_exactly_the_rows_incremental_processing_gave(
    name, history, project, read_model
):
    project()
    incremental = read_model(name)
    before = _generation(name)
    rebuild(name, batch_size=3)
    assert _generation(name) == before + 1
    assert read_model(name) == incremental
    assert incremental[next(iter(incremental))] != []


@pytest.mark.parametrize("name", names())
def test_a_rebuild_in_its_default_batches_gives_the_incremental_rows(
    name, history, project, read_model
):
    project()
    incremental = read_model(name)

    rebuild(name)

    assert read_model(name) == incremental


def test_a_rebuild_leaves_the_garbage_collector_as_it_found_it(history, project):
    project()
    rebuild("cart_summaries")
    assert gc.get_freeze_count() == 0

    gc.freeze()  # as a server does before forking its workers
    try:
        frozen = gc.get_freeze_count()
        rebuild("cart_summaries")
        # Still frozen, and nothing added (frozen objects that were freed meanwhile drop out).
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_a_failed_rebuild_leaves_nothing_frozen(history, project):
    project()
    with (
        mock.patch.object(CartSummaries, "changed", side_effect=RuntimeError("boom")),
        pytest.raises(RebuildFailed),
    ):
        rebuild("cart_summaries")

    assert gc.get_freeze_count() == 0


def test_readers_see_the_last_complete_model_while_a_rebuild_runs(
    history, project, new_cart, read_model
):
    project()
    seen = []
    expected = [read_model("cart_summaries")]

    def between_batches(read):
        # Shoppers go on: a new cart is projected into the live model during the rebuild.
        if read == 3:
            new_cart({"TEA-001": 1})
            project()
            expected.append(read_model("cart_summaries"))
        seen.append(read_model("cart_summaries"))

    rebuild("cart_summaries", batch_size=3, after_batch=between_batches)
    assert len(seen) > 3
    assert all(rows in expected for rows in seen)
    assert read_model("cart_summaries") == expected[-1]
    assert cart_summaries().count() == len(history) + 2  # the merge target and the new cart


def test_a_rebuild_killed_halfway_leaves_the_live_model_and_can_start_again(
    history, project, read_model
):
    project()
    live = read_model("cart_summaries")
    generation = _generation("cart_summaries")

    def die_after_two_batches(read):
        if read >= 6:
            raise Killed

    with pytest.raises(Killed):
        rebuild("cart_summaries", batch_size=3, after_batch=die_after_two_batches)
    assert _generation("cart_summaries") == generation
    assert read_model("cart_summaries") == live
    assert {s.name: s.state for s in projection_statuses()}["cart_summaries"] == "rebuilding"
    assert CartSummary.objects.exclude(generation=generation).exists()

    rebuild("cart_summaries", batch_size=3)
    assert read_model("cart_summaries") == live
    assert set(CartSummary.objects.values_list("generation", flat=True)) == {
        _generation("cart_summaries")
    }


def test_a_handler_failing_in_a_rebuild_leaves_the_live_model_and_shows_failing(
    history, project, read_model
):
    project()
    live = read_model("cart_summaries")
    with (
        mock.patch.object(CartSummaries, "abandoned", side_effect=RuntimeError("bug")),
        pytest.raises(RebuildFailed, match=r"cart\.CartAbandoned"),
    ):
        rebuild("cart_summaries", batch_size=4)
    status = {s.name: s for s in projection_statuses()}["cart_summaries"]
    assert (status.state, status.rebuild_progress) == ("failing", None)
    assert "bug" in status.last_error
    assert read_model("cart_summaries") == live

    rebuild("cart_summaries")
    assert {s.name: s.state for s in projection_statuses()}["cart_summaries"] == "live"


def test_a_newer_rebuild_supersedes_one_still_running(history, project, read_model):
    project()
    live = read_model("daily_funnel")

    def start_another(read):
        if read == 3:
            rebuild("daily_funnel")

    with pytest.raises(RebuildSuperseded):
        rebuild("daily_funnel", batch_size=3, after_batch=start_another)
    assert read_model("daily_funnel") == live
    assert ProjectionState.objects.get(name="daily_funnel").rebuild_generation is None
