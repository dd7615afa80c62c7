"""The projections dashboard: health at a glance, buttons that enqueue the Celery tasks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.store import START, read_all
from projections import rebuild as rebuilding
from projections import tasks
from projections.models import ProjectionShard, ProjectionState
from projections.registry import names
from tests.celery_settings import celery_settings
from tests.faults.processes import free_port

pytestmark = pytest.mark.django_db

DASHBOARD = "admin:projections_dashboard"


@pytest.fixture
def carts_projected(catalog, meta: Metadata, project_everything) -> None:
    """Two carts with six events, all projected."""
    for _ in range(2):
        cart_id = handle(CreateCart(), Context.system(meta)).cart.id
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
        handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    project_everything()


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


@pytest.fixture
def watcher_client(client: Client) -> Client:
    """Staff who may look at the projections but not operate them."""
    user = User.objects.create_user("watcher", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_projectionstate"))
    client.force_login(user)
    return client


def test_anonymous_visitors_and_shoppers_cannot_reach_the_dashboard(client: Client) -> None:
    url = reverse(DASHBOARD)
    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("shopper", password="x"))
    assert client.get(url)["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(url).status_code == 403


def test_each_projection_shows_its_state_checkpoint_and_lag(
    admin_client: Client, carts_projected: None, catalog, meta: Metadata
) -> None:
    handle(CreateCart(), Context.system(meta))  # one event the projections have not read yet
    response = admin_client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    statuses = response.context["statuses"]
    assert [s.name for s in statuses] == names()
    assert {(s.state, s.lag_events) for s in statuses} == {("catching_up", 1)}
    page = response.content.decode()
    for status in statuses:
        assert f'id="projection-{status.name}"' in page
        assert f"#{status.position}" in page
    assert "1 event<" in page


def test_a_failing_projection_shows_its_last_error_and_the_event_it_failed_on(
    admin_client: Client, carts_projected: None, active_shards
) -> None:
    active_shards("daily_funnel").filter(shard=0).update(
        last_error="ValueError: no such day", failed_position=3, retry_count=2
    )
    response = admin_client.get(reverse(DASHBOARD))
    failing = next(s for s in response.context["statuses"] if s.name == "daily_funnel")
    assert (failing.state, failing.failing_shards, failing.failed_position) == ("failing", 1, 3)
    page = response.content.decode()
    assert "ValueError: no such day" in page
    assert reverse("admin:eventstore_event_change", args=[3]) in page
    assert ">failing<" in page
    assert "Shard 0, event #3, 2 attempts:" in page  # with the buttons to decide about it


def test_a_running_rebuild_shows_its_progress_and_the_page_refreshes(
    admin_client: Client, carts_projected: None
) -> None:
    rebuild_halfway("cart_summaries", heartbeat_age=timedelta(0), took=timedelta(seconds=2))
    response = admin_client.get(reverse(DASHBOARD))
    rebuilding = next(s for s in response.context["statuses"] if s.name == "cart_summaries")
    assert rebuilding.state == "rebuilding"
    assert rebuilding.rebuild_progress == pytest.approx(0.5)
    assert (rebuilding.rebuild.done, rebuilding.rebuild.to_do) == (3, 3)
    assert rebuilding.rebuild.rate == pytest.approx(1.5)  # 3 events in 2 seconds
    page = response.content.decode()
    assert 'aria-label="rebuild 50% done"' in page
    assert "3 events done, 3 to do" in page and "2 events/s" in page
    assert '<meta http-equiv="refresh"' in page


def test_a_rebuild_whose_heartbeat_stopped_shows_stalled_and_the_page_stops_refreshing(
    admin_client: Client, carts_projected: None, settings
) -> None:
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    rebuild_halfway("cart_summaries", heartbeat_age=timedelta(seconds=61))
    response = admin_client.get(reverse(DASHBOARD))
    stalled = next(s for s in response.context["statuses"] if s.name == "cart_summaries")
    assert stalled.state == "stalled"
    page = response.content.decode()
    assert ">stalled<" in page and ">rebuilding<" not in page
    assert "resumes it from its checkpoints, or start a new rebuild to take over" in page
    assert '<meta http-equiv="refresh"' not in page
    assert 'class="rebuild-rate"' not in page  # a rate from before it stopped would mislead


def test_a_projection_in_shards_shows_each_shards_checkpoint(
    admin_client: Client, carts_projected: None, settings
) -> None:
    settings.PROJECTIONS_SHARDS = 2
    rebuilding.rebuild("cart_summaries")
    response = admin_client.get(reverse(DASHBOARD))
    summaries = next(s for s in response.context["statuses"] if s.name == "cart_summaries")
    assert [shard.shard for shard in summaries.shards] == [0, 1]
    page = response.content.decode()
    row = page.split('id="projection-cart_summaries"')[1].split("</tr>")[0]
    assert row.count('class="mono quiet shard-checkpoint"') == 2
    for shard in summaries.shards:
        # A shard that has read nothing yet (no cart of the fixture hashed to it) is at the start.
        assert f"{shard.shard}: #{shard.position} {shard.checkpoint or '(start)'}</span>" in row


def test_a_quiet_dashboard_does_not_refresh_itself(
    admin_client: Client, carts_projected: None
) -> None:
    assert '<meta http-equiv="refresh"' not in admin_client.get(reverse(DASHBOARD)).content.decode()


@pytest.mark.parametrize(
    ("posted", "expected"), [({"name": "daily_funnel"}, "daily_funnel"), ({}, None)]
)
def test_the_catch_up_button_enqueues_the_catch_up_task(
    admin_client: Client, posted: dict[str, str], expected: str | None
) -> None:
    with mock.patch.object(tasks.catch_up, "apply_async") as delay:
        response = admin_client.post(reverse("admin:projections_catch_up"), posted, follow=True)
    delay.assert_called_once_with((expected,), {}, retry=False)
    assert any("enqueued" in str(m) for m in response.context["messages"])


def test_the_rebuild_button_enqueues_the_rebuild_task(admin_client: Client) -> None:
    with mock.patch.object(tasks.rebuild, "apply_async") as delay:
        admin_client.post(reverse("admin:projections_rebuild"), {"name": "product_activity"})
    delay.assert_called_once_with(("product_activity",), {}, retry=False)


@pytest.mark.parametrize("button", ["admin:projections_catch_up", "admin:projections_rebuild"])
def test_an_unknown_projection_name_enqueues_nothing_and_says_so(
    admin_client: Client, button: str
) -> None:
    with (
        mock.patch.object(tasks.catch_up, "apply_async") as catch_up,
        mock.patch.object(tasks.rebuild, "apply_async") as rebuild,
    ):
        response = admin_client.post(reverse(button), {"name": "nope"}, follow=True)
    catch_up.assert_not_called()
    rebuild.assert_not_called()
    assert any("There is no projection 'nope'" in str(m) for m in response.context["messages"])


def test_staff_who_may_only_look_see_no_buttons_and_cannot_post(watcher_client: Client) -> None:
    page = watcher_client.get(reverse(DASHBOARD)).content.decode()
    assert reverse("admin:projections_rebuild") not in page
    with (
        mock.patch.object(tasks.catch_up, "apply_async") as catch_up,
        mock.patch.object(tasks.rebuild, "apply_async") as rebuild,
    ):
        refused = watcher_client.post(reverse("admin:projections_catch_up"))
        assert refused.status_code == 403
        why = "Why: This page needs the &#x27;projections.change_projectionstate&#x27; permission."
        assert f"{why}</p>" in refused.content.decode()
        assert (
            watcher_client.post(reverse("admin:projections_rebuild"), {"name": "daily_funnel"})
        ).status_code == 403
    catch_up.assert_not_called()
    rebuild.assert_not_called()


def test_the_buttons_take_only_posts(admin_client: Client) -> None:
    with mock.patch.object(tasks.rebuild, "apply_async") as rebuild:
        response = admin_client.get(reverse("admin:projections_rebuild"), {"name": "daily_funnel"})
    assert response.status_code == 405
    rebuild.assert_not_called()


def test_an_eager_rebuild_from_the_button_switches_readers_to_a_new_generation(
    admin_client: Client, carts_projected: None, project_everything
) -> None:
    # Without a broker (the default), the task runs in-process: its effect is visible at once.
    before = ProjectionState.objects.get(name="cart_summaries").active_generation
    admin_client.post(reverse("admin:projections_rebuild"), {"name": "cart_summaries"})
    assert ProjectionState.objects.get(name="cart_summaries").active_generation != before
    project_everything()
    status = next(
        s
        for s in admin_client.get(reverse(DASHBOARD)).context["statuses"]
        if s.name == "cart_summaries"
    )
    assert (status.state, status.lag_events) == ("live", 0)


def rebuild_halfway(
    name: str, *, heartbeat_age: timedelta, took: timedelta = timedelta(seconds=5)
) -> None:
    """A rebuild of ``name`` that read 3 of the 6 events in ``took``, its last heartbeat
    ``heartbeat_age`` ago."""
    generation, _ = rebuilding.start(name)
    beat = timezone.now() - heartbeat_age
    ProjectionState.objects.filter(name=name).update(rebuild_started_at=beat - took)
    ProjectionShard.objects.filter(name=name, generation=generation).update(
        checkpoint=read_all(START, limit=3).checkpoint, heartbeat_at=beat
    )


def rebuild_fields(name: str) -> dict[str, object]:
    """What a rebuild records: in the projection's state, and in its shards' rows (model
    equality compares only the key)."""
    fields = ["active_generation", "rebuild_generation", "rebuild_shard_count"]
    fields += ["rebuild_started_at", "rebuild_error"]
    shard_fields = ["generation", "shard", "checkpoint", "heartbeat_at", "caught_up"]
    shards = ProjectionShard.objects.filter(name=name).order_by("generation", "shard")
    return {
        **ProjectionState.objects.filter(name=name).values(*fields).get(),
        "shards": list(shards.values(*shard_fields)),
    }


def running_rebuild_of(name: str, *, heartbeat_age: timedelta) -> dict[str, object]:
    rebuild_halfway(name, heartbeat_age=heartbeat_age)
    return rebuild_fields(name)


def test_a_second_rebuild_while_one_runs_is_refused_and_changes_nothing(
    admin_client: Client, carts_projected: None, event_count
) -> None:
    before_state = running_rebuild_of("cart_summaries", heartbeat_age=timedelta(seconds=1))
    before = event_count()
    with mock.patch.object(tasks.rebuild, "apply_async") as delay:
        response = admin_client.post(
            reverse("admin:projections_rebuild"), {"name": "cart_summaries"}, follow=True
        )
    delay.assert_not_called()
    [message] = [str(m) for m in response.context["messages"]]
    assert "A rebuild of cart_summaries is already running" in message
    assert "nothing was enqueued" in message
    assert rebuild_fields("cart_summaries") == before_state
    assert event_count() == before


def test_the_rebuild_action_refuses_a_projection_whose_rebuild_runs(
    admin_client: Client, carts_projected: None
) -> None:
    running_rebuild_of("cart_summaries", heartbeat_age=timedelta(seconds=1))
    with mock.patch.object(tasks.rebuild, "apply_async") as delay:
        response = admin_client.post(
            "/admin/projections/projectionstate/",
            {"action": "rebuild", "_selected_action": ["cart_summaries", "daily_funnel"]},
            follow=True,
        )
    delay.assert_called_once_with(("daily_funnel",), {}, retry=False)
    assert "A rebuild of cart_summaries is already running" in response.content.decode()


def test_a_stalled_rebuild_may_be_taken_over_from_the_dashboard(
    admin_client: Client, carts_projected: None, settings
) -> None:
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    running_rebuild_of("cart_summaries", heartbeat_age=timedelta(seconds=61))
    with mock.patch.object(tasks.rebuild, "apply_async") as delay:
        admin_client.post(reverse("admin:projections_rebuild"), {"name": "cart_summaries"})
    delay.assert_called_once_with(("cart_summaries",), {}, retry=False)


def test_a_rebuild_task_arriving_while_one_runs_leaves_the_running_one_alone(
    carts_projected: None,
) -> None:
    # Two requests may both pass the dashboard's check; the task checks again under the lock.
    before_state = running_rebuild_of("cart_summaries", heartbeat_age=timedelta(seconds=1))
    assert tasks.rebuild("cart_summaries") == 0
    assert rebuild_fields("cart_summaries") == before_state


@pytest.fixture
def broker_away() -> Iterator[None]:
    with celery_settings(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False):
        yield


@pytest.mark.parametrize(
    ("button", "says"),
    [
        ("admin:projections_catch_up", "the periodic catch-up runs it once the broker is back"),
        ("admin:projections_rebuild", "try again later"),
    ],
)
def test_a_button_pressed_while_the_broker_is_away_says_nothing_was_enqueued(
    admin_client: Client, broker_away: None, button: str, says: str
) -> None:
    response = admin_client.post(reverse(button), {"name": "daily_funnel"}, follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "the task broker cannot be reached, so nothing was enqueued" in message
    assert says in message


@pytest.mark.parametrize("action", ["rebuild", "catch_up"])
def test_the_actions_say_when_the_broker_is_away_or_nothing_was_selected(
    admin_client: Client, carts_projected: None, broker_away: None, action: str
) -> None:
    page = "/admin/projections/projectionstate/"
    away = admin_client.post(
        page, {"action": action, "_selected_action": ["daily_funnel"]}, follow=True
    )
    assert away.status_code == 200
    assert "the task broker cannot be reached" in away.content.decode()
    nothing = admin_client.post(page, {"action": action, "_selected_action": ["abc"]}, follow=True)
    assert "No projection selected; nothing was requested." in nothing.content.decode()


@pytest.mark.parametrize("action", ["rebuild", "catch_up"])
def test_staff_who_may_only_look_cannot_run_the_actions_either(
    watcher_client: Client, carts_projected: None, action: str
) -> None:
    with (
        mock.patch.object(tasks.catch_up, "apply_async") as catch_up,
        mock.patch.object(tasks.rebuild, "apply_async") as rebuild,
    ):
        page = watcher_client.post(
            "/admin/projections/projectionstate/",
            {"action": action, "_selected_action": ["cart_summaries"]},
            follow=True,
        )
    assert page.status_code == 200
    catch_up.assert_not_called()
    rebuild.assert_not_called()
    assert f'value="{action}"' not in page.content.decode()  # not offered
