from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from carts.application import repository
from carts.backoffice.cart_list import CartListingAdmin
from carts.models import DiscountCode, Product
from eventstore.admin_links import register_stream_link
from projections.models import CartSummary

register_stream_link(
    repository.STREAM_TYPE,
    "audit timeline of this cart",
    lambda stream: reverse("admin:carts_cart_timeline", args=[repository.cart_id_of(stream)]),
)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The catalog: prices changed here apply to items added from then on."""

    list_display = ("sku", "name", "price", "currency", "active")
    list_filter = ("active", "currency")
    search_fields = ("sku", "name")
    list_editable = ("price", "active")

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None) -> Any:
        # A SKU is recorded in every cart event of its lines: renaming it would cut them off
        # from the product. Fixed once created, and checked against the pattern then; a legacy
        # product whose SKU breaks the pattern can still have its price, name or state changed.
        return ("sku",) if obj is not None else ()


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    """Codes shoppers can type in at the cart."""

    list_display = ("code", "kind", "value", "currency", "active", "description")
    list_filter = ("active", "kind")
    search_fields = ("code", "description")


# The cart list reads the projections' cart summaries; its rows open each cart's audit timeline.
admin.site.register(CartSummary, CartListingAdmin)
