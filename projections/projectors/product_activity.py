"""Product activity: per SKU, what shoppers added, took out again and bought."""

from __future__ import annotations

from carts.domain.events import CartCheckedOut, ItemAdded, ItemQuantityChanged, ItemRemoved
from eventstore.store import RecordedEvent
from projections.models import ProductActivity
from projections.projector import Projector, Tally, handles

COUNTS = (
    "times_added",
    "units_added",
    "times_removed",
    "units_removed_before_checkout",
    "units_purchased",
    "revenue",
)


class ProductActivities(Projector):
    """Counts adds, removals and purchases per SKU.

    A SKU's row is shared by every cart, so the counts are written as changes (Tally) and its
    name and currency are those of the latest event naming it. Merges between carts are not
    counted: the merged units were already counted as added in the guest cart they came from.
    """

    name = "product_activity"
    linger_seconds = 1.0  # staff analytics: a second behind is fresh enough
    tables = (ProductActivity,)

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.rows = Tally(
            ProductActivity,
            "sku",
            generation,
            added=COUNTS,
            latest=("name", "currency"),
            latest_by="named_at",
        )

    @handles(ItemAdded)
    def item_added(self, event: RecordedEvent) -> None:
        data: ItemAdded = event.data
        row = self._named(data.sku, data.name, data.currency, event)
        row.times_added += 1
        row.units_added += data.quantity

    @handles(ItemQuantityChanged)
    def quantity_changed(self, event: RecordedEvent) -> None:
        data: ItemQuantityChanged = event.data
        row = self.rows.row(data.sku)
        change = data.quantity - data.previous_quantity
        if change > 0:
            row.units_added += change
        else:
            row.units_removed_before_checkout -= change

    @handles(ItemRemoved)
    def item_removed(self, event: RecordedEvent) -> None:
        data: ItemRemoved = event.data
        row = self.rows.row(data.sku)
        row.times_removed += 1
        row.units_removed_before_checkout += data.quantity

    @handles(CartCheckedOut)
    def checked_out(self, event: RecordedEvent) -> None:
        data: CartCheckedOut = event.data
        for line in data.lines:
            row = self._named(line.sku, line.name, data.currency, event)
            row.units_purchased += line.quantity
            row.revenue += line.line_total

    def flush(self) -> None:
        self.rows.flush()

    def _named(self, sku: str, name: str, currency: str, event: RecordedEvent) -> ProductActivity:
        row = self.rows.row(sku)
        if event.position > row.named_at:
            row.name, row.currency, row.named_at = name, currency, event.position
        return row
