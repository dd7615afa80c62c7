from datetime import timedelta
from unittest import mock

from carts.application.commands import AddItem, CheckOut, RemoveItem
from carts.application.handler import Context, handle
from projections import runner
from projections.projectors.product_activity import ProductActivities
from projections.selectors import product_activity, projection_includes, projection_statuses
from tests.checkout_details import DETAILS


def _status(name):
    return {s.name: s for s in projection_statuses()}[name]


def _poisoned():
    return mock.patch.object(ProductActivities, "item_removed", side_effect=RuntimeError("bad row"))


def test_catching_up_again_changes_nothing(new_cart, project, read_model):
    new_cart({"TEA-001": 2})
    project()
    before = {name: read_model(name) for name in ("cart_summaries", "product_activity")}
    assert project() == {"cart_summaries": 0, "product_activity": 0, "daily_funnel": 0}
    assert {name: read_model(name) for name in before} == before


def test_small_batches_give_the_same_rows_as_one_big_batch(
    new_cart, project, read_model, meta, active_shards
):
    for _ in range(3):
        handle(
            CheckOut(details=DETAILS, cart_id=new_cart({"TEA-001": 1, "MUG-001": 2})),
            Context.system(meta),
        )
    runner.catch_up("product_activity", batch_size=2)
    in_small_batches = read_model("product_activity")
    assert active_shards("product_activity").get().checkpoint
    active_shards("product_activity").update(checkpoint="")
    product_activity().delete()
    runner.catch_up("product_activity", batch_size=1000)
    assert read_model("product_activity") == in_small_batches


def test_a_failing_handler_stops_only_its_projection_at_that_event(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 2, "MUG-001": 1})
    removed = handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    later = handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    assert removed.last_position is not None and later.last_position is not None
    with _poisoned():
        project()
    failing = _status("product_activity")
    assert failing.state == "failing"
    assert failing.failed_position == removed.last_position
    assert "bad row" in failing.last_error and "cart.ItemRemoved" in failing.last_error
    assert not projection_includes("product_activity", removed.last_position)
    assert product_activity().get(sku="MUG-001").units_added == 1
    assert _status("cart_summaries").state == "live"
    assert projection_includes("cart_summaries", later.last_position)


def test_a_failing_projection_waits_for_its_backoff_then_resumes(
    new_cart, project, meta, active_shards
):
    cart_id = new_cart({"MUG-001": 1})
    last = handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    assert last.last_position is not None
    with _poisoned():
        project()
        runner.catch_up("product_activity", retry_now=True)
    assert active_shards("product_activity").get().retry_count == 2
    assert runner.catch_up("product_activity") == 0
    assert _status("product_activity").state == "failing"
    active_shards("product_activity").update(next_retry_at=None)
    runner.catch_up("product_activity")
    resumed = _status("product_activity")
    assert (resumed.state, resumed.last_error, resumed.failed_position) == ("live", "", None)
    assert projection_includes("product_activity", last.last_position)
    assert product_activity().get(sku="MUG-001").times_removed == 1


def test_rows_and_checkpoint_are_written_together_or_not_at_all(new_cart, meta, active_shards):
    new_cart({"TEA-001": 1})
    with mock.patch.object(ProductActivities, "flush", side_effect=RuntimeError("disk full")):
        runner.catch_up("product_activity")
    assert active_shards("product_activity").get().checkpoint == ""
    assert not product_activity().exists()
    assert _status("product_activity").state == "failing"


def test_retries_back_off_doubling_up_to_ten_minutes():
    waits = [runner.backoff(attempt) for attempt in (1, 2, 3, 10)]
    assert waits == [
        timedelta(seconds=5),
        timedelta(seconds=10),
        timedelta(seconds=20),
        timedelta(minutes=10),
    ]
