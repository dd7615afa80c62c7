"""A cart exactly as it was after one event or at one moment, and how it differed just before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from carts.application.moments import Moment
from carts.application.timeline import CartView, LineChange, TimelineStep
from carts.domain import errors


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
    steps: Sequence[TimelineStep], *, version: int | None = None, as_of: Moment | None = None
) -> CartMoment:
    """The cart after ``version`` (clamped to the steps there are), as it stood at ``as_of``, or
    now, taken from a timeline already read: no further read of the stream.

    ``as_of`` selects the last step recorded within the unit it names (carts.application.
    moments): a step's own moment, at the precision it is shown at or finer, selects that step.
    Raises CartNotFound when the cart did not exist yet then.
    """
    if as_of is not None:
        chosen = _version_at(steps, as_of.last_instant)
    else:
        last = len(steps)
        chosen = last if version is None else min(max(version, 1), last)
    step = steps[chosen - 1]
    return CartMoment(
        version=chosen,
        latest_version=len(steps),
        before=step.before,
        after=step.after,
        changes=step.changes,
    )


def _version_at(steps: Sequence[TimelineStep], last_instant: datetime) -> int:
    chosen = 0
    for step in steps:
        if step.event.recorded_at > last_instant:
            break
        chosen = step.event.version
    if chosen == 0:
        raise errors.CartNotFound("the cart did not exist yet at that moment")
    return chosen
