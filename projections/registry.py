"""Which projections exist, by name."""

from __future__ import annotations

from projections.projector import Projector
from projections.projectors.cart_summaries import CartSummaries
from projections.projectors.daily_funnel import DailyFunnels
from projections.projectors.product_activity import ProductActivities

PROJECTORS: dict[str, type[Projector]] = {
    projector.name: projector for projector in (CartSummaries, ProductActivities, DailyFunnels)
}


class UnknownProjection(LookupError):
    """A projection name that is not registered."""


def projector_class(name: str) -> type[Projector]:
    """The projector registered under ``name``; raises UnknownProjection naming the known ones."""
    try:
        return PROJECTORS[name]
    except KeyError:
        known = ", ".join(sorted(PROJECTORS))
        raise UnknownProjection(f"no projection {name!r}; the projections are: {known}") from None


def names() -> list[str]:
    """Every projection's name."""
    return list(PROJECTORS)
