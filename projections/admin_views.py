"""The projections dashboard: each projection's state, checkpoint, lag and last error.

Its buttons only enqueue the Celery tasks (catch up, rebuild); a worker does the work and the
page shows the progress of a running rebuild from the projection's own state.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from eventstore.transactions import oldest_open_transaction
from projections import tasks
from projections.rebuild import running_rebuild
from projections.registry import names, projector_class
from projections.routing import primary_reads
from projections.selectors import REBUILDING, projection_statuses
from projections.state import ProjectionDecision

VIEW_PERMISSION = "projections.view_projectionstate"
OPERATE_PERMISSION = "projections.change_projectionstate"


RECENT_DECISIONS = 10


def skippable() -> set[str]:
    """The projections whose failing events staff may skip (Projector.may_skip)."""
    return {name for name in names() if projector_class(name).may_skip}


def dashboard(request: HttpRequest) -> HttpResponse:
    """Every projection's health, with buttons to catch up or rebuild it."""
    require(request, VIEW_PERMISSION)
    with primary_reads():  # the runners' own progress, not a replica's copy of it
        statuses = projection_statuses()
        recent = list(ProjectionDecision.objects.all()[:RECENT_DECISIONS])
    context = {
        **admin.site.each_context(request),
        "title": "Projections",
        "statuses": statuses,
        "can_operate": request.user.has_perm(OPERATE_PERMISSION),
        "skippable": skippable(),
        "decisions": recent,
        # What holds every projection back on PostgreSQL (eventstore.transactions).
        "oldest_transaction": oldest_open_transaction(),
        # Reload while a rebuild runs so its progress moves without anyone pressing a key.
        "refresh_seconds": 3 if any(s.state == REBUILDING for s in statuses) else None,
    }
    return TemplateResponse(request, "admin/projections/dashboard.html", context)


@require_POST
def catch_up(request: HttpRequest) -> HttpResponse:
    """Enqueue a catch-up of one projection, or of all when no name is posted."""
    require(request, OPERATE_PERMISSION)
    name = request.POST.get("name", "")
    if name and name not in names():
        messages.error(request, f"There is no projection {name!r}; nothing was enqueued.")
    else:
        if tasks.ask(tasks.catch_up, name or None):
            messages.success(request, f"Catch-up of {name or 'every projection'} enqueued.")
        else:
            messages.warning(
                request,
                f"Catch-up of {name or 'every projection'}: {tasks.BROKER_AWAY}; the periodic "
                "catch-up runs it once the broker is back.",
            )
    return HttpResponseRedirect(reverse("admin:projections_dashboard"))


@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    """Enqueue a rebuild of one projection from the first event."""
    require(request, OPERATE_PERMISSION)
    name = request.POST.get("name", "")
    if name not in names():
        messages.error(request, f"There is no projection {name!r}; nothing was enqueued.")
    elif running_rebuild(name):
        messages.error(request, rebuild_running_message(name))
    else:
        if tasks.ask(tasks.rebuild, name):
            messages.success(
                request,
                f"Rebuild of {name} enqueued; readers keep the current model until it is done.",
            )
        else:
            messages.error(request, f"Rebuild of {name}: {tasks.BROKER_AWAY}; try again later.")
    return HttpResponseRedirect(reverse("admin:projections_dashboard"))


def rebuild_running_message(name: str) -> str:
    """What staff are told when they ask for a rebuild of ``name`` while one is at work."""
    return (
        f"A rebuild of {name} is already running (its heartbeat is recent); nothing was "
        "enqueued. Watch its progress here; once it finishes, or stalls, you can start another."
    )


def require(request: HttpRequest, permission: str) -> None:
    """Raise PermissionDenied naming ``permission`` unless the user has it; the 403 page shows
    the name (config.error_pages shows an exception's ``explanation`` only)."""
    if not request.user.has_perm(permission):
        denied = PermissionDenied(f"This page needs the {permission!r} permission.")
        denied.explanation = str(denied)  # type: ignore[attr-defined]
        raise denied
