"""The admin site: Django's own, plus the audit and operations pages each app contributes.

Apps own their pages (``carts.backoffice.urls``, ``projections.admin_urls``); the site mounts them
under /admin/ behind the admin's login and lists them on its index page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
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


class SelectionChecked(admin.ModelAdmin):  # type: ignore[type-arg]
    """A change list's action runs only on ids of the model's own form.

    Django's admin filters the selection (``_selected_action``) straight into a query, so an id
    that is no UUID, or no number, failed there as a 500. Such a selection is answered as
    Django answers an empty one: a message, and nothing changed.
    """

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        primary_key = self.model._meta.pk
        assert primary_key is not None
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                primary_key.to_python(value)
            except (ValidationError, ValueError, TypeError):
                what = self.model._meta.verbose_name_plural
                self.message_user(
                    request,
                    f"The selection names {value[:40]!r}, which is not an id of {what}; "
                    "choose them in the list. Nothing was changed.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class LedgerShopAdminSite(admin.AdminSite):
    """The admin of the shop: catalog, event log, cart audit trail and projection operations."""

    site_header = "Ledger Shop administration"
    site_title = "Ledger Shop admin"
    index_title = "Audit and operations"
    index_template = "admin/ledger_shop_index.html"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Register as Django does, every model admin (Django's own too) checking the
        selection its actions run on (SelectionChecked)."""
        base = admin_class or admin.ModelAdmin
        checked = type(base.__name__, (SelectionChecked, base), {"__module__": base.__module__})
        super().register(model_or_iterable, checked, **options)

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
