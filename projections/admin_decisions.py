"""Staff decisions about events a projection failed on, from the dashboard: retry, skip, park,
replay. Each view parses the form, calls projections.decisions and says what happened; the
decision itself (who, when, why) is written by the service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from projections import decisions, tasks
from projections.admin_views import OPERATE_PERMISSION, VIEW_PERMISSION, require, skippable
from projections.registry import names
from projections.state import ParkedEvent, ProjectionDecision

ACTIONS = ("retry", "skip", "park")


def parked(request: HttpRequest) -> HttpResponse:
    """Every parked and skipped event of the active generations, and the recent decisions."""
    require(request, VIEW_PERMISSION)
    context = {
        **admin.site.each_context(request),
        "title": "Parked events and decisions",
        "parked": ParkedEvent.objects.filter(failed=True).order_by("projection", "position")[:500],
        "held": ParkedEvent.objects.filter(failed=False).count(),
        "decisions": ProjectionDecision.objects.all()[:200],
        "can_operate": request.user.has_perm(OPERATE_PERMISSION),
        "skippable": skippable(),
    }
    return TemplateResponse(request, "admin/projections/parked.html", context)


@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Retry, skip (with a reason) or park the event a shard failed on, as the form saw it
    (its position): a shard that fails on another event now is refused."""
    require(request, OPERATE_PERMISSION)
    name, action = request.POST.get("name", ""), request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        shard = int(request.POST.get("shard", ""))
        position = int(request.POST.get("position", ""))
        if name not in names():
            raise decisions.DecisionRefused(f"there is no projection {name!r}")
        if action not in ACTIONS:
            raise decisions.DecisionRefused(
                f"there is no action {action!r} (one of: {', '.join(ACTIONS)})"
            )
        if action == "retry":
            decisions.retry(name, shard, position=position, actor=_actor(request), reason=reason)
        elif action == "skip":
            decisions.skip(name, shard, position=position, actor=_actor(request), reason=reason)
        else:
            decisions.park(name, shard, position=position, actor=_actor(request), reason=reason)
    except ValueError:
        messages.error(
            request,
            "The shard and the position of the event it fails on must be numbers "
            "(reload the dashboard); nothing was decided.",
        )
    except decisions.DecisionRefused as refused:
        messages.error(request, f"Nothing was decided: {refused}")
    else:
        done = f"{action.capitalize()} of {name} shard {shard} recorded"
        if tasks.ask(tasks.catch_up, name, retry_now=True, shard=shard):
            messages.success(request, f"{done}.")
        else:
            messages.warning(
                request,
                f"{done}, but {tasks.BROKER_AWAY}: the shard goes on at the periodic catch-up "
                "once the broker is back.",
            )
    return HttpResponseRedirect(reverse("admin:projections_dashboard"))


@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    """Replay one stream's parked events, or skip one parked event and replay the rest."""
    require(request, OPERATE_PERMISSION)
    name, stream_id = request.POST.get("name", ""), request.POST.get("stream_id", "")
    event_id, reason = request.POST.get("event_id", ""), request.POST.get("reason", "")
    try:
        if name not in names():
            raise decisions.DecisionRefused(f"there is no projection {name!r}")
        if request.POST.get("action") == "skip":
            done = decisions.skip_parked(name, event_id, actor=_actor(request), reason=reason)
        else:
            done = decisions.replay(
                name, stream_id, actor=_actor(request), reason=reason, event_id=event_id
            )
    except (decisions.DecisionRefused, ValueError) as refused:
        messages.error(request, f"Nothing was replayed: {refused}")
    else:
        if done.failed:
            messages.error(request, f"{done.applied} applied; failed again: {done.failed}")
        else:
            messages.success(request, f"{done.applied} parked event(s) applied.")
    return HttpResponseRedirect(reverse("admin:projections_parked"))


def _actor(request: HttpRequest) -> str:
    return f"user:{request.user.pk} {request.user.get_username()}"
