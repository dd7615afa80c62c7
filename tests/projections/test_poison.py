"""An event a projector cannot apply: parked, skipped or retried, the decision written down, and
every other cart's rows kept exact meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from unittest import mock

import pytest
from django.test import override_settings

from carts.application.commands import AddItem, RemoveItem
from carts.application.handler import Context, handle
from projections import decisions
from projections import rebuild as rebuilding
from projections.projector import Projector
from projections.registry import projector_class
from projections.selectors import cart_summaries, projection_statuses
from projections.state import ParkedEvent, ProjectionDecision, ProjectionShard
from tests.projections.conftest import active_rows

pytestmark = pytest.mark.django_db

POISONED: set[str] = set()
ANALYTICS = ("daily_funnel", "product_activity")  # the dashboard's order after cart_summaries


@pytest.fixture
def poison() -> Iterator[set[str]]:
    """Event ids that make every projector raise, as a bug would; empty it to 'fix' the bug."""
    original = Projector.apply

    def apply(self: Projector, event) -> None:  # type: ignore[no-untyped-def]
        if str(event.event_id) in POISONED:
            raise ValueError(f"cannot project {event.event_type}")
        original(self, event)

    with mock.patch.object(Projector, "apply", apply):
        yield POISONED
    POISONED.clear()


def _shard(name: str) -> ProjectionShard:
    return ProjectionShard.objects.get(name=name, shard=0)


def _failing_position(name: str) -> int:
    position = _shard(name).failed_position
    assert position is not None
    return position


def _status(name: str):  # type: ignore[no-untyped-def]
    return {s.name: s for s in projection_statuses()}[name]


def _last_event_id(cart_id) -> str:  # type: ignore[no-untyped-def]
    from eventstore.store import read_stream

    return str(read_stream(f"cart-{cart_id}")[-1].event_id)


@override_settings(PROJECTIONS_PARK_AFTER_ATTEMPTS=2)
def test_a_poisoned_event_is_parked_after_its_attempts_and_other_carts_go_on(
    new_cart, meta, project, poison
):
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    good = new_cart({"MUG-001": 1})

    project()
    assert _status("cart_summaries").state == "failing"
    assert not cart_summaries().filter(cart_id=good).exists()  # stopped before the good cart
    project()  # the second attempt: parked, and the shard goes on
    handle(AddItem(cart_id=bad, sku="MUG-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=good, sku="TEA-001", quantity=1), Context.system(meta))
    project()

    status = _status("cart_summaries")
    assert (status.state, status.parked, status.lag_events) == ("live", 2, 0)
    assert cart_summaries().get(cart_id=good).units == 2
    assert cart_summaries().get(cart_id=bad).units == 0  # created; the rest waits, in order
    parked = ParkedEvent.objects.filter(projection="cart_summaries").order_by("version")
    assert [(p.version, p.failed) for p in parked] == [(2, True), (3, False)]
    decision = ProjectionDecision.objects.get(projection="cart_summaries")
    assert (decision.action, decision.actor) == ("park", "system")
    assert "PROJECTIONS_PARK_AFTER_ATTEMPTS" in decision.reason


@override_settings(PROJECTIONS_PARK_AFTER_ATTEMPTS=1)
def test_parked_events_replayed_after_the_fix_give_the_rows_of_a_rebuild(
    new_cart, meta, project, poison
):
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    new_cart({"TEA-001": 3})
    project()
    handle(AddItem(cart_id=bad, sku="MUG-001", quantity=2), Context.system(meta))
    project()
    poison.clear()  # the bug is fixed

    for name in ("cart_summaries", "product_activity", "daily_funnel"):
        decisions.replay(name, f"cart-{bad}", actor="user:1 staff", reason="fixed in 1.2")
    live = {name: active_rows(name) for name in ("cart_summaries", "product_activity")}
    for name in ("cart_summaries", "product_activity"):
        rebuilding.rebuild(name)

    assert live == {name: active_rows(name) for name in ("cart_summaries", "product_activity")}
    assert not ParkedEvent.objects.exists()
    replays = ProjectionDecision.objects.filter(action="replay", actor="user:1 staff")
    assert replays.count() == 3 and {d.outcome for d in replays} == {"2 of 2 applied"}


def test_staff_skip_with_a_reason_where_rows_belong_to_one_cart_only(
    new_cart, meta, project, poison, event_count
):
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    project()
    failing = _shard("product_activity")
    at = _failing_position("cart_summaries")
    before = event_count()

    with pytest.raises(decisions.DecisionRefused, match="park it instead"):
        decisions.skip("product_activity", 0, position=at, actor="user:1 staff", reason="bad")
    with pytest.raises(decisions.DecisionRefused, match="reason is required"):
        decisions.skip("cart_summaries", 0, position=at, actor="user:1 staff", reason="  ")
    assert _shard("product_activity").failed_position == failing.failed_position
    assert not ProjectionDecision.objects.exists()

    decisions.skip("cart_summaries", 0, position=at, actor="user:1 staff", reason="test data")
    handle(AddItem(cart_id=bad, sku="MUG-001", quantity=2), Context.system(meta))
    project()

    assert cart_summaries().get(cart_id=bad).units == 2  # went on without the skipped event
    assert _status("cart_summaries").skipped == 1
    decision = ProjectionDecision.objects.get()
    assert (decision.action, decision.reason, decision.actor) == (
        "skip",
        "test data",
        "user:1 staff",
    )
    assert event_count() == before + 1  # decisions write no event
    rebuilding.rebuild("cart_summaries")  # a rebuild honours the skip
    assert cart_summaries().get(cart_id=bad).units == 2


def test_a_rebuild_parks_again_what_the_live_model_parked_and_stops_on_anything_new(
    new_cart, project, poison
):
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    project()
    at = _failing_position("cart_summaries")
    decisions.park("cart_summaries", 0, position=at, actor="user:1 staff", reason="look later")
    project()

    rebuilding.rebuild("cart_summaries")

    assert _status("cart_summaries").parked == 1
    other = new_cart({"MUG-001": 1})
    poison.add(_last_event_id(other))
    with pytest.raises(rebuilding.RebuildFailed, match="cannot project"):
        rebuilding.rebuild("cart_summaries")
    assert projector_class("cart_summaries").may_skip


def test_a_failed_rebuild_says_the_live_model_is_untouched_and_how_to_clear_it(
    new_cart, project, poison, admin_client
):
    from io import StringIO

    from django.core.management import call_command
    from django.urls import reverse

    project()
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    with pytest.raises(rebuilding.RebuildFailed):
        rebuilding.rebuild("cart_summaries")

    page = admin_client.get(reverse("admin:projections_dashboard")).content.decode()
    assert "The last rebuild failed: cart.ItemAdded at #" in page
    assert "The live model is untouched" in page
    out = StringIO()
    call_command("projections", "status", stdout=out)
    assert "the last rebuild failed (the live model is untouched and serves on)" in out.getvalue()
    assert _status("cart_summaries").state != "failing"  # the live model was left alone
    poison.clear()
    rebuilding.rebuild("cart_summaries")  # a rebuild that succeeds clears it
    assert _status("cart_summaries").rebuild_error == ""


def test_staff_decide_from_the_dashboard_and_the_decision_names_them(
    admin_client, admin_user, new_cart, project, poison
):
    from django.urls import reverse

    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    project()
    dashboard = admin_client.get(reverse("admin:projections_dashboard")).content.decode()
    assert 'value="park"' in dashboard and "Shard 0, event #" in dashboard

    at = _failing_position("daily_funnel")
    refused = admin_client.post(
        reverse("admin:projections_decide"),
        {"name": "daily_funnel", "shard": "0", "position": at, "action": "skip", "reason": "x"},
        follow=True,
    )
    assert "park it instead" in refused.content.decode()
    admin_client.post(
        reverse("admin:projections_decide"),
        {"name": "daily_funnel", "shard": "zero", "position": at, "action": "park"},
    )
    assert not ProjectionDecision.objects.exists()

    admin_client.post(
        reverse("admin:projections_decide"),
        {
            "name": "daily_funnel",
            "shard": "0",
            "position": at,
            "action": "park",
            "reason": "bug 12",
        },
    )

    decision = ProjectionDecision.objects.get()
    assert (decision.action, decision.reason) == ("park", "bug 12")
    assert decision.actor == f"user:{admin_user.pk} {admin_user.get_username()}"
    assert _status("daily_funnel").state != "failing"
    parked_page = admin_client.get(reverse("admin:projections_parked")).content.decode()
    assert "bug 12" in parked_page and f"cart-{bad}" in parked_page


def test_staff_who_may_only_view_projections_cannot_decide(client, new_cart, project):
    from django.urls import reverse

    from tests.admin_fixtures import staff_member

    client.force_login(staff_member("viewer", "view_projectionstate"))
    new_cart()
    project()
    assert client.get(reverse("admin:projections_parked")).status_code == 200
    response = client.post(
        reverse("admin:projections_decide"),
        {"name": "cart_summaries", "shard": "0", "action": "park"},
    )
    assert response.status_code == 403
    assert not ProjectionDecision.objects.exists()


@override_settings(PROJECTIONS_PARK_AFTER_ATTEMPTS=1)
def test_a_parked_write_is_not_counted_as_projected(new_cart, meta, project, poison):
    from projections.selectors import projection_includes

    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    project()
    added = handle(AddItem(cart_id=bad, sku="MUG-001", quantity=1), Context.system(meta))
    project()

    parked = ParkedEvent.objects.filter(projection="cart_summaries").order_by("position")
    assert added.last_position is not None
    assert not projection_includes("cart_summaries", added.last_position)
    assert _status("cart_summaries").position < parked[0].position


@pytest.mark.parametrize(
    ("action", "fields", "refusal"),
    [
        ("skip_parked", {"event_id": "not-a-uuid", "reason": "r"}, "not an event id"),
        ("skip_parked", {"event_id": "", "reason": "r"}, "not an event id"),
        ("park", {"shard": 0, "position": 1, "reason": "\u202egnikcab"}, "plain text"),
        ("park", {"shard": 0, "position": 1, "reason": "x" * 2001}, "at most 2000"),
        ("replay", {"stream_id": "s" * 201, "reason": ""}, "name the stream"),
        ("replay", {"stream_id": "cart-1", "event_id": "no", "reason": ""}, "not an event id"),
    ],
)
def test_decisions_with_malformed_input_are_refused_and_change_nothing(
    new_cart, project, poison, action, fields, refusal
):
    bad = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(bad))
    project()

    with pytest.raises(decisions.DecisionRefused, match=refusal):
        getattr(decisions, action)("cart_summaries", actor="user:1 staff", **fields)

    assert not ProjectionDecision.objects.exists()
    assert _shard("cart_summaries").failed_position is not None


@override_settings(PROJECTIONS_PARK_AFTER_ATTEMPTS=0)  # staff decide: no retries count here
def test_a_later_event_that_fails_for_want_of_a_skipped_one_is_parked_and_the_shard_goes_on(
    new_cart, meta, project, poison
):
    cart = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(cart))
    project()
    decisions.skip(
        "cart_summaries",
        0,
        position=_failing_position("cart_summaries"),
        actor="user:1 staff",
        reason="a bad line",
    )
    poison.clear()  # the bug fixed; the skipped line never reached the summary
    project()
    handle(RemoveItem(cart_id=cart, sku="TEA-001"), Context.system(meta))
    other = new_cart({"MUG-001": 3})

    project()

    assert _shard("cart_summaries").failed_position is None  # the shard did not stop
    assert cart_summaries().get(cart_id=other).units == 3
    parked = ParkedEvent.objects.get(projection="cart_summaries", status=ParkedEvent.PARKED)
    assert (str(parked.event_id), parked.failed) == (_last_event_id(cart), True)
    decision = ProjectionDecision.objects.filter(projection="cart_summaries").latest("id")
    assert (decision.action, decision.actor) == ("park", "system")
    assert decision.reason == "an earlier event of its stream was skipped, which this one may need"
    # A rebuild parks it again instead of stopping, and keeps the skip.
    rebuilding.rebuild("cart_summaries")
    status = _status("cart_summaries")
    assert (status.state, status.skipped, status.parked) == ("live", 1, 1)
    assert cart_summaries().get(cart_id=other).units == 3


def test_the_dashboard_lists_recent_decisions_and_offers_skip_only_where_it_is_allowed(
    new_cart, project, poison, client
):
    from django.contrib.auth.models import User
    from django.urls import reverse

    cart = new_cart({"TEA-001": 1})
    poison.add(_last_event_id(cart))
    project()
    client.force_login(User.objects.create_superuser("root", password="x"))
    page = client.get(reverse("admin:projections_dashboard")).content.decode()
    forms = page.split('class="decide"')[1:]
    # Every projection fails on the event; only the one kept per cart may skip it.
    assert len(forms) == 3
    skip = '<button type="submit" name="action" value="skip"'
    offered = [skip in form.split("</form>")[0] for form in forms]
    assert offered == [name == "cart_summaries" for name in ("cart_summaries", *ANALYTICS)]
    decisions.park(
        "daily_funnel",
        0,
        position=_failing_position("daily_funnel"),
        actor="user:1 staff",
        reason="look at it tomorrow",
    )
    page = client.get(reverse("admin:projections_dashboard")).content.decode()
    assert "Recent decisions" in page
    assert "look at it tomorrow" in page.split("Recent decisions")[1]
    parked = client.get(reverse("admin:projections_parked")).content.decode()
    assert skip not in parked  # only daily_funnel's event is parked, and it may not skip
