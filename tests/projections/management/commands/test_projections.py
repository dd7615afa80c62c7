from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from projections import rebuild as rebuilding
from projections.models import ProjectionShard, ProjectionState


def _run(*args):
    out = StringIO()
    call_command("projections", *args, stdout=out)
    return out.getvalue()


def test_status_prints_a_line_per_projection_with_state_and_lag(new_cart):
    new_cart({"TEA-001": 1})
    lines = _run("status").splitlines()
    assert lines[0].split() == [
        *("projection", "state", "position", "head", "lag", "lag", "s"),
        *("shards", "failing", "parked", "skipped"),
    ]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["cart_summaries", "catching_up"],
        ["product_activity", "catching_up"],
        ["daily_funnel", "catching_up"],
    ]
    # Nothing read yet: the watermark is 0, two events to go, one shard each, none failing.
    for line in lines[1:]:
        position, head, lag, lag_seconds, *counts = line.split()[2:]
        assert (position, head, lag, counts) == ("0", "2", "2", ["1", "0", "0", "0"])
        assert float(lag_seconds) >= 0


def test_catch_up_applies_new_events_to_every_projection(new_cart):
    new_cart({"TEA-001": 1})
    assert _run("catch-up").splitlines() == [
        "cart_summaries: 2 events read",
        "product_activity: 2 events read",
        "daily_funnel: 2 events read",
    ]
    assert "catching_up" not in _run("status")


def test_rebuild_switches_a_projection_to_a_new_generation(new_cart):
    new_cart({"TEA-001": 1})
    _run("catch-up")
    assert "product_activity: rebuilt from 2 events" in _run("rebuild", "product_activity")
    generations = dict(ProjectionState.objects.values_list("name", "active_generation"))
    assert generations == {"cart_summaries": 1, "product_activity": 2, "daily_funnel": 1}
    _run("rebuild", "--all")
    generations = dict(ProjectionState.objects.values_list("name", "active_generation"))
    assert generations == {"cart_summaries": 2, "product_activity": 3, "daily_funnel": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("rebuild",), "name one projection, or pass --all"),
        (("rebuild", "carts", "--all"), "name one projection, or pass --all"),
        (("rebuild", "carts"), "no projection 'carts'; the projections are"),
    ],
)
def test_rebuild_refuses_a_missing_or_unknown_name(db, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_status_shows_a_rebuilds_progress_and_when_it_stalled(new_cart, settings):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    new_cart({"TEA-001": 1})
    _run("catch-up")
    generation, _ = rebuilding.start("daily_funnel")  # and then its worker died
    long_ago = timezone.now() - timedelta(seconds=90)
    ProjectionState.objects.filter(name="daily_funnel").update(rebuild_started_at=long_ago)
    ProjectionShard.objects.filter(name="daily_funnel", generation=generation).update(
        heartbeat_at=long_ago
    )
    out = _run("status")
    assert "daily_funnel      stalled 0%" in out
    assert (
        "  rebuild: 0 events done, 2 to do; stalled (no heartbeat): "
        "`projections resume` goes on from its checkpoints"
    ) in out


def test_resume_finishes_a_stalled_rebuild_from_its_checkpoints(new_cart, settings):
    settings.PROJECTIONS_REBUILD_STALE_SECONDS = 60
    new_cart({"TEA-001": 1})
    _run("catch-up")
    generation, _ = rebuilding.start("daily_funnel")
    ProjectionShard.objects.filter(name="daily_funnel", generation=generation).update(
        heartbeat_at=timezone.now() - timedelta(seconds=90)
    )
    assert _run("resume").splitlines() == [
        "cart_summaries: 0 stalled shard(s) resumed",
        "product_activity: 0 stalled shard(s) resumed",
        "daily_funnel: 1 stalled shard(s) resumed",
    ]
    assert ProjectionState.objects.get(name="daily_funnel").active_generation == generation
    assert [line.split()[1] for line in _run("status").splitlines()[1:]] == ["live"] * 3
