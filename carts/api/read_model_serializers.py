"""How the read models (projections) and the catalog look through the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from carts.domain.money import RECORDED_AMOUNT_DIGITS
from carts.models import Product
from projections import selectors
from projections.models import CartSummary, DailyFunnel, ProductActivity


class CartSummarySerializer(serializers.ModelSerializer):
    """One cart as lists show it (eventually consistent: see the projection block)."""

    class Meta:
        model = CartSummary
        fields = [
            "cart_id",
            "owner_id",
            "status",
            "line_count",
            "units",
            "subtotal",
            "discount",
            "total",
            "currency",
            "created_at",
            "last_activity_at",
            "checked_out_at",
            "abandoned_at",
            "version",
        ]


class ProductActivitySerializer(serializers.ModelSerializer):
    """What shoppers did with one SKU."""

    conversion = serializers.DecimalField(max_digits=9, decimal_places=4, read_only=True)

    class Meta:
        model = ProductActivity
        fields = [
            "sku",
            "name",
            "times_added",
            "units_added",
            "times_removed",
            "units_removed_before_checkout",
            "units_purchased",
            "revenue",
            "currency",
            "conversion",
        ]


class DailyFunnelListSerializer(serializers.ListSerializer):
    """A page of days, their revenue per currency read in one query."""

    def to_representation(self, data: Any) -> Any:
        days = list(data.all() if hasattr(data, "all") else data)
        return super().to_representation(selectors.with_revenue_by_currency(days))


class DailyFunnelSerializer(serializers.ModelSerializer):
    """One day of the funnel."""

    average_order_value = serializers.DecimalField(
        max_digits=RECORDED_AMOUNT_DIGITS, decimal_places=2, read_only=True
    )
    conversion = serializers.DecimalField(max_digits=9, decimal_places=4, read_only=True)
    revenue_by_currency = serializers.DictField(read_only=True)

    class Meta:
        list_serializer_class = DailyFunnelListSerializer
        model = DailyFunnel
        fields = [
            "day",
            "carts_created",
            "carts_with_items",
            "checked_out",
            "abandoned",
            "currency",
            "revenue",
            "average_order_value",
            "conversion",
            "revenue_by_currency",
        ]


class ProjectionStatusSerializer(serializers.Serializer):
    """How far one projection is, and whether it is healthy."""

    name = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["live", "catching_up", "rebuilding", "stalled", "failing"]
    )
    checkpoint = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    head_position = serializers.IntegerField()
    lag_events = serializers.IntegerField()
    lag_seconds = serializers.FloatField()
    last_error = serializers.CharField(allow_blank=True)
    failed_position = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    rebuild_progress = serializers.FloatField(allow_null=True)
    shard_count = serializers.IntegerField()
    failing_shards = serializers.IntegerField()
    parked = serializers.IntegerField()
    skipped = serializers.IntegerField()


class ProductSerializer(serializers.ModelSerializer):
    """One product of the catalog: its price now, and whether it is on sale (``available``)."""

    available = serializers.BooleanField(source="active", read_only=True)

    class Meta:
        model = Product
        fields = ["sku", "name", "description", "price", "currency", "available"]
