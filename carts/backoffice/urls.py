"""The cart audit pages, mounted by the admin site under /admin/carts/ behind its login."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.urls import URLPattern, path

from carts.backoffice import exports as admin_export
from carts.backoffice import timeline_views as admin_views


def admin_urls(site: AdminSite) -> list[URLPattern]:
    """The cart audit URL patterns, each wrapped in the site's staff-only check."""
    views = [
        ("carts/cart/<uuid:cart_id>/timeline/", admin_views.timeline, "carts_cart_timeline"),
        ("carts/cart/<uuid:cart_id>/timeline.csv", admin_export.timeline_csv, "carts_cart_csv"),
        ("carts/cart/<uuid:cart_id>/timeline.json", admin_export.timeline_json, "carts_cart_json"),
        ("carts/cart/<uuid:cart_id>/abandon/", admin_views.abandon, "carts_cart_abandon"),
        ("carts/cart/<uuid:cart_id>/goodwill/", admin_views.goodwill, "carts_cart_goodwill"),
        ("carts/cart/<uuid:cart_id>/forget/", admin_views.forget_customer, "carts_cart_forget"),
        (
            "carts/cart/<uuid:cart_id>/discount/remove/",
            admin_views.remove_discount,
            "carts_cart_remove_discount",
        ),
    ]
    return [path(route, site.admin_view(view), name=name) for route, view, name in views]
