"""Analytics in the admin: the daily funnel over time, the products removed before checkout.

Both read projections (eventually consistent), so each page says how far behind the log its
projection is. The charts are SVG drawn by the templates from :mod:`projections.charts`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from projections.admin_views import require
from projections.charts import bar_chart, column_chart
from projections.selectors import ProjectionStatus, daily_funnel, product_activity
from projections.selectors import projection_statuses as statuses

FUNNEL_SERIES = ["created", "with items", "checked out", "abandoned"]
DEFAULT_DAYS, MAX_DAYS = 14, 90
TOP_REMOVED = 15


def funnel(request: HttpRequest) -> HttpResponse:
    """Carts created, filled, checked out and abandoned per day, as columns and as numbers."""
    require(request, "projections.view_dailyfunnel")
    days = _days(request)
    rows = list(daily_funnel()[:days])[::-1]
    series = [
        [row.carts_created for row in rows],
        [row.carts_with_items for row in rows],
        [row.checked_out for row in rows],
        [row.abandoned for row in rows],
    ]
    context = {
        **_page(request, "Daily funnel", "daily_funnel"),
        "rows": rows,
        "days": days,
        "chart": column_chart([row.day.strftime("%b %d") for row in rows], series),
        "series": list(enumerate(FUNNEL_SERIES)),
        "totals": [sum(values) for values in series],
        "revenue": sum((row.revenue for row in rows), Decimal("0")),
        "currency": rows[-1].currency if rows else "",
    }
    return TemplateResponse(request, "admin/projections/funnel.html", context)


def removals(request: HttpRequest) -> HttpResponse:
    """The products most often taken out of carts before checkout, with their numbers."""
    require(request, "projections.view_productactivity")
    rows = list(
        product_activity()
        .filter(units_removed_before_checkout__gt=0)
        .order_by("-units_removed_before_checkout", "-times_removed", "sku")[:TOP_REMOVED]
    )
    chart = bar_chart(
        [(f"{row.sku} {row.name}", row.units_removed_before_checkout) for row in rows]
    )
    context = {
        **_page(request, "Products removed before checkout", "product_activity"),
        "rows": list(zip(rows, chart.bars, strict=True)),
        "chart": chart,
    }
    return TemplateResponse(request, "admin/projections/removals.html", context)


def _page(request: HttpRequest, title: str, projection: str) -> dict[str, Any]:
    status: ProjectionStatus | None = next((s for s in statuses() if s.name == projection), None)
    return {**admin.site.each_context(request), "title": title, "projection": status}


def _days(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("days", DEFAULT_DAYS)), 1), MAX_DAYS)
    except ValueError:
        return DEFAULT_DAYS
