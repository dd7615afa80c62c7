"""The admin site: Django's own, plus the audit and operations pages each app contributes.

Apps own their pages (``carts.backoffice.urls``, ``projections.admin_urls``); the site mounts them
under /admin/ behind the admin's login and lists them on its index page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, reverse

# (title, url name, what it answers, permission needed): the pages listed on the index.
AUDIT_PAGES = [
    (
        "Carts",
        "admin:projections_cartsummary_changelist",
        "Every cart; each opens its audit timeline.",
        "eventstore.view_event",
    ),
    (
        "Event log",
        "admin:eventstore_event_changelist",
        "Every event: stream, type, actor, source.",
        "eventstore.view_event",
    ),
    (
        "Projections",
        "admin:projections_dashboard",
        "State, checkpoint and lag; catch up, rebuild.",
        "projections.view_projectionstate",
    ),
    (
        "Daily funnel",
        "admin:projections_funnel",
        "Carts created, filled, bought, abandoned per day.",
        "projections.view_dailyfunnel",
    ),
    (
        "Removed products",
        "admin:projections_removals",
        "Products taken out of carts before checkout.",
        "projections.view_productactivity",
    ),
]


class LedgerShopAdminSite(admin.AdminSite):
    """The admin of the shop: catalog, event log, cart audit trail and projection operations."""

    site_header = "Ledger Shop administration"
    site_title = "Ledger Shop admin"
    index_title = "Audit and operations"
    index_template = "admin/ledger_shop_index.html"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from carts.backoffice.urls import admin_urls as cart_urls
        from projections.admin_urls import admin_urls as projection_urls

        return [*cart_urls(self), *projection_urls(self), *super().get_urls()]

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        pages = [
            (title, reverse(name), help_text)
            for title, name, help_text, permission in AUDIT_PAGES
            if request.user.has_perm(permission)
        ]
        return super().index(request, {"audit_pages": pages, **(extra_context or {})})
