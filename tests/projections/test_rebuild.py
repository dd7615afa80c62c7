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
from eventstore.store import read_all
from projections.models import CartSummary, ProjectionShard, ProjectionState
from projections.projectors.cart_summaries import CartSummaries
from projections.rebuild import (
    RebuildFailed,
    RebuildSuperseded,
    rebuild,
    rebuild_shard,
    resume_stalled,
    start,
)
from projections.registry import names
from projections.selectors import cart_summaries, failing_projections, projection_statuses
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


def test_a_handler_failing_in_a_rebuild_leaves_the_live_model_serving_and_says_so(
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
    # The live model was left alone and serves on: not failing, and ready (/readyz).
    assert (status.state, status.rebuild_progress) == ("live", None)
    assert "bug" in status.rebuild_error
    assert failing_projections() == []
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


def rebuild_shards_of(name):
    """The shard rows of the rebuild under way of ``name``."""
    generation = ProjectionState.objects.get(name=name).rebuild_generation
    assert generation is not None
    return ProjectionShard.objects.filter(name=name, generation=generation)


def _state(name):
    return {s.name: s.state for s in projection_statuses()}[name]


@pytest.mark.parametrize("shards", [1, 2])
def test_every_batch_writes_the_rebuilds_heartbeat_and_progress(history, project, settings, shards):
    settings.PROJECTIONS_SHARDS = shards
    project()
    seen = []
    seen_done: list[int] = []

    def look(read):
        beats = [row.heartbeat_at for row in rebuild_shards_of("cart_summaries")]
        status = {s.name: s for s in projection_statuses()}["cart_summaries"]
        assert status.rebuild is not None and None not in beats
        assert (status.rebuild.heartbeat_at, status.rebuild.shards) == (max(beats), shards)
        seen.append((max(beats), status.state, status.rebuild.done, read))
        seen_done.append(status.rebuild.shards_done)

    rebuild("cart_summaries", batch_size=3, after_batch=look)

    total = Event.objects.count()
    assert [done for _, _, done, _ in seen] == [read for _, _, _, read in seen]
    assert seen[-1][2] == total
    assert [beat for beat, _, _, _ in seen] == sorted(beat for beat, _, _, _ in seen)
    assert {state for _, state, _, _ in seen} == {"rebuilding"}
    assert seen_done == sorted(seen_done) and seen_done[-1] == shards
    finished = ProjectionState.objects.get(name="cart_summaries")
    assert (finished.rebuild_generation, finished.shard_count) == (None, shards)
    beats = ProjectionShard.objects.filter(name="cart_summaries").values_list("heartbeat_at")
    assert list(beats) == [(None,)] * shards


def test_a_killed_rebuild_shows_stalled_once_its_heartbeat_is_old_and_a_new_one_takes_over(
    history, project, read_model, settings
):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    project()
    live = read_model("cart_summaries")

    with pytest.raises(Killed):
        rebuild("cart_summaries", batch_size=3, after_batch=die_after_two_batches)
    assert _state("cart_summaries") == "rebuilding"  # its heartbeat is fresh

    # The worker is gone: a minute and a second later nobody has written the heartbeat.
    long_ago = timezone.now() - timedelta(seconds=61)
    rebuild_shards_of("cart_summaries").update(heartbeat_at=long_ago)
    status = {s.name: s for s in projection_statuses()}["cart_summaries"]
    assert status.state == "stalled"
    assert status.rebuild is not None and status.rebuild.stalled
    assert status.rebuild.done == 6

    rebuild("cart_summaries", batch_size=3)
    assert _state("cart_summaries") == "live"
    assert read_model("cart_summaries") == live


def die_after_two_batches(read):
    if read >= 6:
        raise Killed


def test_a_stalled_rebuild_is_resumed_from_its_checkpoint_not_started_again(
    history, project, read_model, settings
):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    project()
    live = read_model("cart_summaries")
    with pytest.raises(Killed):
        rebuild("cart_summaries", batch_size=3, after_batch=die_after_two_batches)
    generation = ProjectionState.objects.get(name="cart_summaries").rebuild_generation
    assert resume_stalled("cart_summaries") == []  # its heartbeat is fresh: still at work

    rebuild_shards_of("cart_summaries").update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    stopped_at = rebuild_shards_of("cart_summaries").get().checkpoint
    with mock.patch("projections.rebuild.read_all", wraps=read_all) as reads:
        assert resume_stalled("cart_summaries") == [0]
    assert reads.call_args_list[0].args[0] == stopped_at
    assert _generation("cart_summaries") == generation
    assert _state("cart_summaries") == "live"
    assert read_model("cart_summaries") == live


def test_a_rebuild_killed_before_its_first_batch_counts_from_its_start(
    history, project, read_model, settings
):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    project()
    live = read_model("daily_funnel")
    generation, _ = start("daily_funnel")  # and then its worker died
    assert _state("daily_funnel") == "rebuilding"
    rebuild_shards_of("daily_funnel").update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    assert _state("daily_funnel") == "stalled"

    assert resume_stalled("daily_funnel") == [0]
    assert (_generation("daily_funnel"), _state("daily_funnel")) == (generation, "live")
    assert read_model("daily_funnel") == live


def test_a_rebuild_whose_shards_all_finished_but_never_switched_is_switched_by_resuming(
    history, project, read_model, settings
):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    settings.PROJECTIONS_SHARDS = 2
    project()
    live = read_model("product_activity")
    generation, count = start("product_activity")
    for shard in range(count):
        rebuild_shard("product_activity", generation, shard)  # and the switch never came
    assert _state("product_activity") == "rebuilding"
    rebuild_shards_of("product_activity").update(
        heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    assert _state("product_activity") == "stalled"

    assert resume_stalled("product_activity") == [0, 1]
    assert (_generation("product_activity"), _state("product_activity")) == (generation, "live")
    assert read_model("product_activity") == live


def test_a_rebuild_without_any_shard_rows_counts_as_stalled_at_once(history, project):
    project()
    ProjectionState.objects.filter(name="daily_funnel").update(
        rebuild_generation=9, rebuild_shard_count=1, rebuild_started_at=timezone.now()
    )
    assert _state("daily_funnel") == "stalled"
