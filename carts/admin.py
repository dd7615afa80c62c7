from django.contrib import admin

from carts.models import DiscountCode, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The catalog: prices changed here apply to items added from then on."""

    list_display = ("sku", "name", "price", "currency", "active")
    list_filter = ("active", "currency")
    search_fields = ("sku", "name")
    list_editable = ("price", "active")


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    """Codes shoppers can type in at the cart."""

    list_display = ("code", "kind", "value", "currency", "active", "description")
    list_filter = ("active", "kind")
    search_fields = ("code", "description")
