"""The cart list in the admin, read from the cart summaries projection.

A list of every cart cannot replay every stream, so it reads the read model (eventually
consistent; the page says how far behind it is). Each row opens the cart's audit timeline,
which replays the cart's own events and is always exact.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from carts.application import access
from carts.application.selectors import usernames
from carts.web.request_context import person_of
from projections.models import CartSummary
from projections.selectors import cart_summaries, projection_statuses

# (label, lowest total included, highest total excluded); None leaves that side open.
TOTAL_RANGES = [
    ("0", Decimal("0"), Decimal("0.01")),
    ("under 25", Decimal("0.01"), Decimal("25")),
    ("25 to 50", Decimal("25"), Decimal("50")),
    ("50 to 100", Decimal("50"), Decimal("100")),
    ("100 and more", Decimal("100"), None),
]


class TotalRangeFilter(admin.SimpleListFilter):
    """Filter carts by their total, in bands."""

    title = "total"
    parameter_name = "total"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(label, label) for label, _, _ in TOTAL_RANGES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        for label, low, high in TOTAL_RANGES:
            if self.value() == label:
                queryset = queryset.filter(total__gte=low)
                return queryset.filter(total__lt=high) if high is not None else queryset
        return queryset


class CartListingAdmin(admin.ModelAdmin):
    """Every cart with status, owner, totals and moments; read-only, rows open the timeline."""

    list_display = (
        "cart",
        "order_number",
        "owner",
        "status",
        "line_count",
        "units",
        "total_display",
        "created",
        "last_activity",
        "version",
    )
    list_display_links = None
    list_filter = (
        "status",
        "currency",
        ("created_at", admin.DateFieldListFilter),
        TotalRangeFilter,
    )
    date_hierarchy = "last_activity_at"
    search_fields = ("owner_id",)
    search_help_text = (
        "A cart id, an order number, an owner (user:<id>), a username or the contact e-mail."
    )
    list_per_page = 50
    actions = None

    class Media:
        css = {"all": ["ledger_shop/admin.css"]}

    change_list_template = "admin/carts/cart_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return cart_summaries()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(cart_id=uuid.UUID(term.removeprefix("cart-"))), False
        except ValueError:
            pass
        owners = [
            f"user:{pk}"
            for pk in get_user_model()
            .objects.filter(username__icontains=term)
            .values_list("pk", flat=True)
        ]
        found = (
            Q(owner_id__icontains=term)
            | Q(owner_id__in=owners)
            | Q(order_number=term.upper())
            | Q(contact_email__iexact=term)
        )
        return queryset.filter(found), False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        status = next(iter(projection_statuses(["cart_summaries"])), None)
        return super().changelist_view(request, {"projection": status, **(extra_context or {})})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.may_read_every_cart(person_of(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return access.may_read_every_cart(person_of(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="cart", ordering="cart_id")
    def cart(self, summary: CartSummary) -> str:
        url = reverse("admin:carts_cart_timeline", args=[summary.cart_id])
        return format_html('<a href="{}" title="Audit timeline">{}</a>', url, summary.cart_id)

    @admin.display(description="owner", ordering="owner_id")
    def owner(self, summary: CartSummary) -> str:
        if not summary.owner_id:
            return "guest"
        name = usernames([summary.owner_id]).get(summary.owner_id)
        return f"{summary.owner_id} ({name})" if name else summary.owner_id

    @admin.display(description="created", ordering="created_at")
    def created(self, summary: CartSummary) -> str:
        return _moment(summary.created_at)

    @admin.display(description="last activity", ordering="last_activity_at")
    def last_activity(self, summary: CartSummary) -> str:
        return _moment(summary.last_activity_at)

    @admin.display(description="total", ordering="total")
    def total_display(self, summary: CartSummary) -> str:
        return f"{summary.total} {summary.currency}".strip()


def _moment(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
