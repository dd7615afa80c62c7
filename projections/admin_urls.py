"""The projection operations and analytics pages, mounted by the admin site behind its login."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.urls import URLPattern, path

from projections import admin_analytics, admin_decisions, admin_views


def admin_urls(site: AdminSite) -> list[URLPattern]:
    """The projections URL patterns, each wrapped in the site's staff-only check."""
    views = [
        ("projections/dashboard/", admin_views.dashboard, "projections_dashboard"),
        ("projections/dashboard/catch-up/", admin_views.catch_up, "projections_catch_up"),
        ("projections/dashboard/rebuild/", admin_views.rebuild, "projections_rebuild"),
        ("projections/dashboard/decide/", admin_decisions.decide, "projections_decide"),
        ("projections/parked/", admin_decisions.parked, "projections_parked"),
        ("projections/parked/replay/", admin_decisions.replay, "projections_replay"),
        ("projections/analytics/funnel/", admin_analytics.funnel, "projections_funnel"),
        ("projections/analytics/removals/", admin_analytics.removals, "projections_removals"),
    ]
    return [path(route, site.admin_view(view), name=name) for route, view, name in views]
