import gc
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

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
from eventstore.models import Event
from projections.models import CartSummary, ProjectionState
from projections.projectors.cart_summaries import CartSummaries
from projections.rebuild import RebuildFailed, RebuildSuperseded, rebuild
from projections.registry import names
from projections.selectors import cart_summaries, projection_statuses
from tests.checkout_details import DETAILS


class Killed(BaseException):
    """Stands in for a worker killed in the middle of a rebuild."""


@pytest.fixture
def history(new_cart, meta):
    """Carts that went through every kind of event."""
    bought = new_cart({"TEA-001": 2, "MUG-001": 1})
    handle(ApplyDiscount(cart_id=bought, code="FIVEOFF"), Context.system(meta))
    handle(ChangeQuantity(cart_id=bought, sku="TEA-001", quantity=4), Context.system(meta))
    handle(CheckOut(details=DETAILS, cart_id=bought), Context.system(meta))
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


def test_every_batch_writes_the_rebuilds_heartbeat_and_progress(history, project):
    project()
    seen = []

    def look(read):
        state = ProjectionState.objects.get(name="cart_summaries")
        status = {s.name: s for s in projection_statuses()}["cart_summaries"]
        assert status.rebuild is not None and state.rebuild_heartbeat_at is not None
        seen.append((state.rebuild_heartbeat_at, status.state, status.rebuild.done, read))

    rebuild("cart_summaries", batch_size=3, after_batch=look)

    total = Event.objects.count()
    assert [done for _, _, done, _ in seen] == [read for _, _, _, read in seen]
    assert seen[-1][2] == total
    assert [beat for beat, _, _, _ in seen] == sorted(beat for beat, _, _, _ in seen)
    assert {state for _, state, _, _ in seen} == {"rebuilding"}
    finished = ProjectionState.objects.get(name="cart_summaries")
    assert (finished.rebuild_generation, finished.rebuild_heartbeat_at) == (None, None)


def test_a_killed_rebuild_shows_stalled_once_its_heartbeat_is_old_and_a_new_one_takes_over(
    history, project, read_model, settings
):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    project()
    live = read_model("cart_summaries")

    def die_after_two_batches(read):
        if read >= 6:
            raise Killed

    with pytest.raises(Killed):
        rebuild("cart_summaries", batch_size=3, after_batch=die_after_two_batches)
    statuses = {s.name: s for s in projection_statuses()}
    assert statuses["cart_summaries"].state == "rebuilding"  # its heartbeat is fresh

    # The worker is gone: a minute and a second later nobody has written the heartbeat.
    long_ago = timezone.now() - timedelta(seconds=61)
    ProjectionState.objects.filter(name="cart_summaries").update(rebuild_heartbeat_at=long_ago)
    status = {s.name: s for s in projection_statuses()}["cart_summaries"]
    assert status.state == "stalled"
    assert status.rebuild is not None and status.rebuild.stalled
    assert status.rebuild.done == 6

    rebuild("cart_summaries", batch_size=3)
    assert {s.name: s.state for s in projection_statuses()}["cart_summaries"] == "live"
    assert read_model("cart_summaries") == live


def test_a_rebuild_without_any_heartbeat_counts_from_its_start(history, project, settings):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    project()
    started = timezone.now() - timedelta(seconds=30)
    ProjectionState.objects.filter(name="daily_funnel").update(
        rebuild_generation=9, rebuild_started_at=started, rebuild_heartbeat_at=None
    )
    assert {s.name: s.state for s in projection_statuses()}["daily_funnel"] == "rebuilding"
    ProjectionState.objects.filter(name="daily_funnel").update(
        rebuild_started_at=started - timedelta(seconds=31)
    )
    assert {s.name: s.state for s in projection_statuses()}["daily_funnel"] == "stalled"
