"""Staff decisions are about the very event staff saw: a stale form, or a second decision at the
same moment, is refused with a message saying why and writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.store import read_stream
from projections import decisions, locks, runner
from projections.holds import Holds
from projections.shards import ensure_state, live_lock
from projections.state import ParkedEvent, ProjectionDecision, ProjectionShard
from tests.celery_settings import celery_settings
from tests.faults.processes import free_port
from tests.projections.test_poison import poison  # noqa: F401  (a fixture)

SUMMARIES = "cart_summaries"
STAFF = "user:1 staff"


def _failing_at() -> int | None:
    return ProjectionShard.objects.get(name=SUMMARIES, shard=0).failed_position


def _poison_last_event(poisoned: set[str], cart_id: Any) -> str:
    event_id = str(read_stream(f"cart-{cart_id}")[-1].event_id)
    poisoned.add(event_id)
    return event_id


def _decided() -> list[tuple[str, int | None]]:
    rows = ProjectionDecision.objects.filter(projection=SUMMARIES).order_by("id")
    return [(d.action, d.position) for d in rows]


def _while_waiting_for_the_lock(other: Callable[[], object]) -> mock._patch[Any]:
    """Make the next decision run ``other`` to its end after its own first look and before it
    takes the shard's lock: the interleaving of two staff deciding at the same moment."""
    original = decisions._shard
    pending = [other]

    def shard(name: str, number: int) -> AbstractContextManager[ProjectionShard]:
        while pending:
            pending.pop()()
        return original(name, number)

    return mock.patch.object(decisions, "_shard", shard)


@pytest.fixture
def two_poisoned_carts(
    db,
    new_cart,
    project,
    poison,  # noqa: F811
) -> Iterator[tuple[int, int]]:
    """Cart C's event failed and was parked by someone; then cart B's failed on the same shard.
    Yields (C's position, as a stale form shows it; B's, the one failing now)."""
    cart_c = new_cart({"TEA-001": 1})
    _poison_last_event(poison, cart_c)
    project()
    stale = _failing_at()
    assert stale is not None
    decisions.park(SUMMARIES, 0, position=stale, actor="user:2 other", reason="look later")
    cart_b = new_cart({"MUG-001": 1})
    _poison_last_event(poison, cart_b)
    project()
    now = _failing_at()
    assert now is not None and now != stale
    yield stale, now


@pytest.mark.django_db
@pytest.mark.parametrize("decide", [decisions.retry, decisions.skip, decisions.park])
def test_a_decision_about_an_event_the_shard_no_longer_fails_on_is_refused_and_writes_nothing(
    two_poisoned_carts, event_count, decide
):
    stale, now = two_poisoned_carts
    before = (event_count(), _decided(), list(ParkedEvent.objects.values_list("pk", "status")))

    refusal = rf"shard 0 of {SUMMARIES} no longer fails on #{stale} \(now #{now}\): look again"
    with pytest.raises(decisions.DecisionRefused, match=refusal):
        decide(SUMMARIES, 0, position=stale, actor=STAFF, reason="skip cart C bad ItemAdded")

    after = (event_count(), _decided(), list(ParkedEvent.objects.values_list("pk", "status")))
    assert after == before  # no decision, no hold, no event
    assert _failing_at() == now


@pytest.mark.django_db
def test_a_decision_about_a_shard_that_no_longer_fails_is_refused(two_poisoned_carts, poison):  # noqa: F811
    stale, now = two_poisoned_carts
    decisions.retry(SUMMARIES, 0, position=now, actor=STAFF)
    poison.clear()
    runner.catch_up(SUMMARIES, retry_now=True)

    with pytest.raises(
        decisions.DecisionRefused, match=rf"fails on no event now \(not on #{now}\)"
    ):
        decisions.park(SUMMARIES, 0, position=now, actor=STAFF)
    assert _decided() == [("park", stale), ("retry", now)]


@pytest.mark.django_db
def test_a_stale_skip_form_on_the_dashboard_is_refused_and_skips_nothing(
    admin_client,
    new_cart,
    project,
    poison,  # noqa: F811
):
    cart_c = new_cart({"TEA-001": 1})
    _poison_last_event(poison, cart_c)
    project()
    stale = _failing_at()
    assert stale is not None
    page = admin_client.get(reverse("admin:projections_dashboard")).content.decode()
    assert f'name="position" value="{stale}"' in page  # the form names the event it shows
    decisions.park(SUMMARIES, 0, position=stale, actor="user:2 other")
    _poison_last_event(poison, new_cart({"MUG-001": 1}))
    project()
    now = _failing_at()

    form = {"name": SUMMARIES, "shard": "0", "position": str(stale), "action": "skip"}
    response = admin_client.post(
        reverse("admin:projections_decide"), {**form, "reason": "skip cart C"}, follow=True
    )
    unnamed = admin_client.post(
        reverse("admin:projections_decide"), {**form, "position": "", "reason": "x"}, follow=True
    )

    assert f"no longer fails on #{stale} (now #{now}): look again" in response.content.decode()
    assert "reload the dashboard" in unnamed.content.decode()
    assert _decided() == [("park", stale)]
    assert not ParkedEvent.objects.filter(status=ParkedEvent.SKIPPED).exists()
    assert _failing_at() == now


def _parked_cart(new_cart, project, poison) -> tuple[Any, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A cart whose last event failed and was parked; (its id, that event's id)."""
    cart_id = new_cart({"TEA-001": 1})
    event_id = _poison_last_event(poison, cart_id)
    project()
    position = _failing_at()
    assert position is not None
    decisions.park(SUMMARIES, 0, position=position, actor=STAFF, reason="look later")
    return cart_id, event_id


@pytest.mark.django_db
def test_of_two_skips_of_one_parked_event_at_once_only_one_is_recorded(
    new_cart,
    project,
    poison,  # noqa: F811
):
    _, event_id = _parked_cart(new_cart, project, poison)

    def skip(reason: str) -> decisions.Replayed:
        return decisions.skip_parked(SUMMARIES, event_id, actor=STAFF, reason=reason)

    with (
        _while_waiting_for_the_lock(lambda: skip("first")),
        pytest.raises(decisions.DecisionRefused, match="it was already skipped"),
    ):
        skip("second")

    skips = ProjectionDecision.objects.filter(action=ProjectionDecision.SKIP)
    assert [d.reason for d in skips] == ["first"]
    with pytest.raises(decisions.DecisionRefused, match="it was already skipped"):
        skip("third, later")


@pytest.mark.django_db
def test_a_skip_while_the_event_is_replayed_is_refused_and_the_replay_stands(
    new_cart,
    project,
    poison,  # noqa: F811
):
    cart_id, event_id = _parked_cart(new_cart, project, poison)
    poison.clear()  # the bug is fixed

    def replay() -> decisions.Replayed:
        return decisions.replay(SUMMARIES, f"cart-{cart_id}", actor=STAFF, event_id=event_id)

    with (
        _while_waiting_for_the_lock(replay),
        pytest.raises(decisions.DecisionRefused, match="it was replayed already, or never parked"),
    ):
        decisions.skip_parked(SUMMARIES, event_id, actor=STAFF, reason="bad data")

    assert [action for action, _ in _decided()] == ["park", "replay"]
    assert not ParkedEvent.objects.exists()


@pytest.mark.django_db
def test_a_replay_of_an_event_skipped_meanwhile_is_refused(new_cart, meta, project, poison):  # noqa: F811
    cart_id, event_id = _parked_cart(new_cart, project, poison)
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=2), Context.system(meta))
    project()  # held behind the parked event

    def skip() -> decisions.Replayed:
        return decisions.skip_parked(SUMMARIES, event_id, actor=STAFF, reason="bad data")

    with (
        _while_waiting_for_the_lock(skip),
        pytest.raises(decisions.DecisionRefused, match="it was already skipped"),
    ):
        decisions.replay(SUMMARIES, f"cart-{cart_id}", actor=STAFF, event_id=event_id)

    # The skip replayed what the stream held; the stale replay added no decision of its own.
    assert [action for action, _ in _decided()] == ["park", "skip", "replay"]


@pytest.mark.postgres
def test_two_skips_of_one_parked_event_on_two_connections_record_one_skip(shelf, meta):
    cart_id = handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id
    [event] = read_stream(f"cart-{cart_id}")
    event_id = str(event.event_id)
    # Parked as the runner parks it; the runner itself is not needed to race two skips.
    generation = ensure_state(SUMMARIES).active_generation
    with transaction.atomic():
        Holds.load(SUMMARIES, generation, 0).park([event], failed=True, error="ValueError")
    outcomes: list[str] = []

    def skip(reason: str) -> None:
        try:
            decisions.skip_parked(SUMMARIES, event_id, actor=STAFF, reason=reason)
            outcomes.append("skipped")
        except decisions.DecisionRefused as refused:
            outcomes.append(str(refused))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=skip, args=(f"staff {k}",)) for k in range(2)]
    with transaction.atomic():
        # Both take their first look, then wait for the shard's lock this test holds.
        locks.hold(live_lock(SUMMARIES, 0))
        for thread in threads:
            thread.start()
        _until_waiting_for_advisory_locks(2)
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[1] == "skipped"
    assert "it was already skipped" in sorted(outcomes)[0]
    assert ProjectionDecision.objects.filter(action=ProjectionDecision.SKIP).count() == 1


def _until_waiting_for_advisory_locks(count: int) -> None:
    with connection.cursor() as cursor:
        for _ in range(3000):
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0] >= count:
                return
            cursor.execute("SELECT pg_sleep(0.01)")
    raise AssertionError(f"{count} decisions never waited for the shard's lock")


@pytest.mark.django_db
def test_a_decision_made_while_the_broker_is_away_is_recorded_and_the_page_says_so(
    admin_client,
    new_cart,
    project,
    poison,  # noqa: F811
):
    _poison_last_event(poison, new_cart({"TEA-001": 1}))
    project()
    failing = _failing_at()
    form = {"name": SUMMARIES, "shard": "0", "position": str(failing), "action": "park"}

    with celery_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False):
        response = admin_client.post(
            reverse("admin:projections_decide"), {**form, "reason": "look later"}, follow=True
        )

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "Park of cart_summaries shard 0 recorded, but the task broker cannot be" in message
    assert "the periodic catch-up" in message
    assert _decided() == [("park", failing)]


@pytest.mark.django_db
def test_decisions_about_no_real_event_say_what_is_wrong(admin_client, new_cart, project, poison):  # noqa: F811
    _poison_last_event(poison, new_cart({"TEA-001": 1}))
    project()
    failing = _failing_at()
    assert failing is not None
    with pytest.raises(decisions.DecisionRefused, match="#-5 is no event position"):
        decisions.park(SUMMARIES, 0, position=-5, actor=STAFF)
    with pytest.raises(decisions.DecisionRefused, match="is not parked: it was replayed already"):
        decisions.replay(SUMMARIES, "cart-x", actor=STAFF, event_id=str(uuid4()))
    form = {"name": SUMMARIES, "shard": "0", "position": str(failing), "action": "explode"}
    page = admin_client.post(reverse("admin:projections_decide"), form, follow=True)
    assert (
        "there is no action &#x27;explode&#x27; (one of: retry, skip, park)"
        in page.content.decode()
    )
    decisions.park(SUMMARIES, 0, position=failing, actor=STAFF)
    parked = ParkedEvent.objects.get(projection=SUMMARIES)
    assert (
        parked.error == f"cart.ItemAdded at #{failing}: ValueError('cannot project cart.ItemAdded')"
    )
    assert _decided() == [("park", failing)]
