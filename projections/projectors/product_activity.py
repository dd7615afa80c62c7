"""Product activity: per SKU, what shoppers added, took out again and bought."""

from __future__ import annotations

from carts.domain.events import CartCheckedOut, ItemAdded, ItemQuantityChanged, ItemRemoved
from eventstore.store import RecordedEvent
from projections.models import ProductActivity
from projections.projector import Projector, RowCache, handles


class ProductActivities(Projector):
    """Counts adds, removals and purchases per SKU.

    Merges between carts are not counted: the merged units were already counted as added in
    the guest cart they came from.
    """

    name = "product_activity"
    tables = (ProductActivity,)

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.rows = RowCache(ProductActivity, "sku", generation)

    @handles(ItemAdded)
    def item_added(self, event: RecordedEvent) -> None:
        data: ItemAdded = event.data
        row = self.rows.get_or_new(data.sku)
        row.name = data.name
        row.currency = data.currency
        row.times_added += 1
        row.units_added += data.quantity

    @handles(ItemQuantityChanged)
    def quantity_changed(self, event: RecordedEvent) -> None:
        data: ItemQuantityChanged = event.data
        row = self.rows.get_or_new(data.sku)
        change = data.quantity - data.previous_quantity
        if change > 0:
            row.units_added += change
        else:
            row.units_removed_before_checkout -= change

    @handles(ItemRemoved)
    def item_removed(self, event: RecordedEvent) -> None:
        data: ItemRemoved = event.data
        row = self.rows.get_or_new(data.sku)
        row.times_removed += 1
        row.units_removed_before_checkout += data.quantity

    @handles(CartCheckedOut)
    def checked_out(self, event: RecordedEvent) -> None:
        data: CartCheckedOut = event.data
        for line in data.lines:
            row = self.rows.get_or_new(line.sku, name=line.name, currency=data.currency)
            row.units_purchased += line.quantity
            row.revenue += line.line_total

    def flush(self) -> None:
        self.rows.flush()
