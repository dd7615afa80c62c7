from decimal import Decimal

from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    MergeCarts,
    RemoveDiscount,
    RemoveItem,
)
from carts.application.handler import Context, handle
from eventstore.models import Event
from projections.selectors import cart_summaries
from tests.checkout_details import DETAILS


def _summary(cart_id):
    return cart_summaries().get(cart_id=cart_id)


def test_a_new_cart_gets_an_open_empty_summary(new_cart, project):
    cart_id = new_cart(owner_id="user:7")
    project()
    summary = _summary(cart_id)
    created = Event.objects.get(stream_id=f"cart-{cart_id}")
    assert (summary.owner_id, summary.status, summary.line_count, summary.units) == (
        "user:7",
        "open",
        0,
        0,
    )
    assert summary.total == Decimal("0.00")
    assert summary.created_at == summary.last_activity_at == created.recorded_at
    assert summary.version == 1


def test_added_items_set_lines_units_totals_and_currency(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 2, "MUG-001": 1})
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    project()
    summary = _summary(cart_id)
    assert (summary.line_count, summary.units, summary.currency) == (2, 4, "EUR")
    assert summary.subtotal == summary.total == Decimal("25.50")
    assert summary.version == 4


def test_quantity_changes_and_removals_recompute_the_totals(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 2, "MUG-001": 1})
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=5), Context.system(meta))
    handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    project()
    summary = _summary(cart_id)
    assert (summary.line_count, summary.units, summary.total) == (1, 5, Decimal("22.50"))


def test_a_discount_shows_in_discount_and_total_until_removed(new_cart, project, meta):
    cart_id = new_cart({"MUG-001": 2})
    handle(ApplyDiscount(cart_id=cart_id, code="WELCOME10"), Context.system(meta))
    project()
    summary = _summary(cart_id)
    assert (summary.subtotal, summary.discount, summary.total) == (
        Decimal("24.00"),
        Decimal("2.40"),
        Decimal("21.60"),
    )
    handle(RemoveDiscount(cart_id=cart_id), Context.system(meta))
    project()
    assert _summary(cart_id).total == Decimal("24.00")


def test_checkout_marks_the_cart_checked_out_with_its_time(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 1})
    handle(CheckOut(details=DETAILS, cart_id=cart_id), Context.system(meta))
    project()
    summary = _summary(cart_id)
    last = Event.objects.filter(stream_id=f"cart-{cart_id}").latest("version")
    assert summary.status == "checked_out"
    assert summary.checked_out_at == summary.last_activity_at == last.recorded_at
    assert summary.abandoned_at is None


def test_abandonment_marks_the_cart_abandoned_with_its_time(new_cart, project, meta):
    cart_id = new_cart({"TEA-001": 1})
    handle(Abandon(cart_id=cart_id, reason="staff"), Context.system(meta))
    project()
    summary = _summary(cart_id)
    assert summary.status == "abandoned"
    assert summary.abandoned_at is not None
    assert summary.checked_out_at is None


def test_a_merge_fills_the_target_and_closes_the_guest_cart(new_cart, project, meta):
    guest = new_cart({"TEA-001": 2}, owner_id="")
    target = new_cart({"TEA-001": 1})
    handle(MergeCarts(source_cart_id=guest, target_cart_id=target), Context.system(meta))
    project()
    assert _summary(guest).status == "merged"
    assert (_summary(target).units, _summary(target).total) == (3, Decimal("13.50"))


def test_the_list_can_be_filtered_by_status_and_owner(new_cart, project, meta):
    open_cart = new_cart({"TEA-001": 1}, owner_id="user:1")
    bought = new_cart({"TEA-001": 1}, owner_id="user:2")
    handle(CheckOut(details=DETAILS, cart_id=bought), Context.system(meta))
    project()
    assert [s.cart_id for s in cart_summaries().filter(status="open")] == [open_cart]
    assert [s.cart_id for s in cart_summaries().filter(owner_id="user:2")] == [bought]


def test_a_row_kept_in_an_older_state_schema_is_replayed_from_its_events(new_cart, project, meta):
    from carts.application.commands import AddItem
    from carts.application.handler import Context, handle
    from projections.models import CartSummary

    cart_id = new_cart({"TEA-001": 2})
    project()
    row = CartSummary.objects.get(cart_id=cart_id)
    # The state as the first release wrote it: the aggregate's snapshot, with no schema number.
    CartSummary.objects.filter(pk=row.pk).update(state={"version": 1, "shape": "unknown"})
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    project()
    row = CartSummary.objects.get(cart_id=cart_id)
    assert (row.units, row.total) == (3, Decimal("21.00"))
    assert row.state["schema"] >= 1
