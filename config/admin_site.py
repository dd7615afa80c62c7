"""The admin site: Django's own, plus the audit and operations pages each app contributes.

Apps own their pages (``carts.admin_urls``, ``projections.admin_urls``); the site mounts them
under /admin/ behind the admin's login and lists them on its index page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, reverse

# (title, url name, what it answers): the audit and operations pages listed on the index.
AUDIT_PAGES = [
    (
        "Event log",
        "admin:eventstore_event_changelist",
        "Every event, by stream, type, actor, source and date.",
    ),
]


class EventCartAdminSite(admin.AdminSite):
    """The admin of the shop: catalog, event log, cart audit trail and projection operations."""

    site_header = "Ledger Shop administration"
    site_title = "Ledger Shop admin"
    index_title = "Audit and operations"
    index_template = "admin/eventcart_index.html"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from carts.admin_urls import admin_urls as cart_urls

        return [*cart_urls(self), *super().get_urls()]

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        pages = [(title, reverse(name), help_text) for title, name, help_text in AUDIT_PAGES]
        return super().index(request, {"audit_pages": pages, **(extra_context or {})})
