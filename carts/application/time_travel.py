"""A cart exactly as it was after one event or at one moment, and how it differed just before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from carts.application import repository
from carts.application.timeline import CartView, LineChange, line_changes
from carts.domain.cart import Cart


@dataclass(frozen=True)
class MomentRow:
    """One line as the time-travel panel shows it, with its change from the step before."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int
    total: Decimal
    change: LineChange | None


@dataclass(frozen=True)
class CartMoment:
    """The cart after ``version`` (and before it), with the lines and totals that changed."""

    version: int
    latest_version: int
    before: CartView
    after: CartView
    changes: tuple[LineChange, ...]

    @property
    def rows(self) -> tuple[MomentRow, ...]:
        """The lines after the step, each marked with how it changed; removed lines included."""
        changes = {change.sku: change for change in self.changes}
        rows = [
            MomentRow(
                sku=line.sku,
                name=line.name,
                unit_price=line.unit_price,
                quantity=line.quantity,
                total=line.total,
                change=changes.get(line.sku),
            )
            for line in self.after.lines
        ]
        rows += [
            MomentRow(
                sku=c.sku,
                name=c.name,
                unit_price=c.unit_price_before or Decimal("0.00"),
                quantity=0,
                total=Decimal("0.00"),
                change=c,
            )
            for c in self.changes
            if c.kind == "removed"
        ]
        return tuple(rows)

    @property
    def is_latest(self) -> bool:
        return self.version == self.latest_version

    @property
    def changed_skus(self) -> frozenset[str]:
        return frozenset(change.sku for change in self.changes)

    @property
    def subtotal_changed(self) -> bool:
        return self.before.subtotal != self.after.subtotal

    @property
    def discount_changed(self) -> bool:
        return (self.before.discount, self.before.discount_code) != (
            self.after.discount,
            self.after.discount_code,
        )

    @property
    def total_changed(self) -> bool:
        return self.before.total != self.after.total

    @property
    def status_changed(self) -> bool:
        return self.before.status != self.after.status


def cart_moment(
    cart_id: UUID, *, latest_version: int, version: int | None = None, as_of: datetime | None = None
) -> CartMoment:
    """The cart after ``version``, or as it stood at ``as_of``, or now.

    Raises CartNotFound when the cart did not exist yet at ``as_of``.
    """
    if as_of is not None:
        after = repository.load(cart_id, as_of=as_of)
    else:
        chosen = latest_version if version is None else min(max(version, 1), latest_version)
        after = repository.load(cart_id, to_version=chosen)
    before = (
        repository.load(cart_id, to_version=after.version - 1)
        if after.version > 1
        else Cart(cart_id)
    )
    before_view, after_view = CartView.of(before), CartView.of(after)
    return CartMoment(
        version=after.version,
        latest_version=latest_version,
        before=before_view,
        after=after_view,
        changes=line_changes(before_view, after_view),
    )
