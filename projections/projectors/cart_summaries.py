"""Cart summaries: one row per cart for lists and filters."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from carts.domain.cart import SNAPSHOT_SCHEMA, Cart
from carts.domain.events import (
    CartAbandoned,
    CartCheckedOut,
    CartCreated,
    CartMergedFrom,
    CartMergedInto,
    CheckoutDetailsProvided,
    CustomerForgotten,
    DiscountApplied,
    DiscountRemoved,
    ItemAdded,
    ItemQuantityChanged,
    ItemRemoved,
    LineRepriced,
    cart_id_of,
    stream_id,
)
from eventstore.personal import ERASED
from eventstore.store import RecordedEvent, read_stream_data
from projections.models import CartSummary
from projections.projector import Projector, RowCache, handles


class CartSummaries(Projector):
    """Keeps each cart's status and totals, computed by the Cart aggregate itself.

    One fold of events into totals, the aggregate's, so that a list can never disagree with the
    cart it lists. Between batches a row keeps the cart's state as ``{"schema": N, "cart":
    ...}``; a row whose schema is not the aggregate's current one (the state's shape changed
    since it was written) is rebuilt from the cart's own events on first touch instead of
    failing, so a schema change needs no rebuild of the whole projection.
    """

    name = "cart_summaries"
    may_skip = True  # one row per cart: a skip leaves every other cart exact
    tables = (CartSummary,)

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.rows = RowCache(CartSummary, "cart_id", generation)
        # Each touched cart as an aggregate, restored from its row's state once per batch and
        # written back at flush: a snapshot round trip per event cost more than the events.
        self.carts: dict[UUID, tuple[CartSummary, Cart]] = {}

    def prepare(self, events: Sequence[RecordedEvent]) -> None:
        carts = [e for e in events if e.stream_type == "cart"]
        # A cart created in this batch has no row yet: only older carts need looking up (in a
        # rebuild, most carts of a batch are born in it).
        born = {e.stream_id for e in carts if e.version == 1}
        self.rows.absent(cart_id_of(stream) for stream in born)
        self.rows.load(cart_id_of(e.stream_id) for e in carts if e.stream_id not in born)
        forgotten = [e.data for e in events if isinstance(e.data, CustomerForgotten)]
        self.rows.load(cart_id for data in forgotten for cart_id in data.carts)

    @handles(CartCreated)
    def created(self, event: RecordedEvent) -> None:
        data: CartCreated = event.data
        row = self.rows.get_or_new(
            data.cart_id, created_at=event.recorded_at, last_activity_at=event.recorded_at
        )
        if row.cart_id not in self.carts and not row.version:
            # A new row: its cart starts blank (flush writes the state), no snapshot to restore.
            self.carts[row.cart_id] = (row, Cart(row.cart_id))
        self._apply(row, event)

    @handles(
        ItemAdded,
        ItemQuantityChanged,
        ItemRemoved,
        LineRepriced,
        DiscountApplied,
        DiscountRemoved,
        CartMergedFrom,
        CartMergedInto,
    )
    def changed(self, event: RecordedEvent) -> None:
        self._apply(self._row(event), event)

    @handles(CheckoutDetailsProvided)
    def details_given(self, event: RecordedEvent) -> None:
        row = self._row(event)
        if self._apply(row, event):
            row.contact_email = event.data.email
            row.ship_to_country = event.data.country

    @handles(CartCheckedOut)
    def checked_out(self, event: RecordedEvent) -> None:
        row = self._row(event)
        if self._apply(row, event):
            row.checked_out_at = event.recorded_at
            row.order_number = event.data.order_number

    @handles(CustomerForgotten)
    def forgotten(self, event: RecordedEvent) -> None:
        """Their e-mail goes from the rows of their carts (idempotent: replaying it again sets
        the same marker)."""
        for cart_id in event.data.carts:
            row = self.rows.get(cart_id)
            if row is not None and row.contact_email:
                row.contact_email = ERASED

    @handles(CartAbandoned)
    def abandoned(self, event: RecordedEvent) -> None:
        row = self._row(event)
        if self._apply(row, event):
            row.abandoned_at = event.recorded_at

    def flush(self) -> None:
        for row, cart in self.carts.values():
            row.state = {"schema": SNAPSHOT_SCHEMA, "cart": cart.to_snapshot()}
            row.owner_id = cart.owner_id
            row.status = cart.status
            row.line_count = cart.line_count
            row.units = cart.units
            row.subtotal = cart.subtotal
            row.discount = cart.discount_amount
            row.total = cart.total
            row.currency = cart.currency
        self.carts.clear()
        self.rows.flush()

    def _row(self, event: RecordedEvent) -> CartSummary:
        row = self.rows.get(cart_id_of(event.stream_id))
        if row is None:
            raise LookupError(f"{event.event_type} at #{event.position}: no summary of its cart")
        return row

    def _apply(self, row: CartSummary, event: RecordedEvent) -> bool:
        """Replay one event onto the row's cart; False if the row already had it."""
        if event.version <= row.version:
            return False
        touched = self.carts.get(row.cart_id)
        if touched is None:
            touched = self.carts[row.cart_id] = (row, _restored(row))
        touched[1].apply(event.data)
        row.version = event.version
        row.last_activity_at = event.recorded_at
        return True


def _restored(row: CartSummary) -> Cart:
    """The row's cart as its state left it, or replayed from its events to the row's version."""
    state = row.state or {}
    if state.get("schema") == SNAPSHOT_SCHEMA:
        return Cart.from_snapshot(row.cart_id, state["cart"])
    events = read_stream_data(stream_id(row.cart_id), to_version=row.version)
    return Cart.replay(row.cart_id, events)
