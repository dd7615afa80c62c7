"""Closing carts nobody touched for CART_ABANDON_AFTER, through the normal cart commands.

The candidates come from the cart summaries projection (a selector), the decision from the cart."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from carts.application.commands import Abandon
from carts.application.context import SYSTEM
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.values import CartStatus
from projections.selectors import cart_summaries

logger = logging.getLogger(__name__)


def abandon_idle_carts(*, now: datetime | None = None) -> int:
    """Record CartAbandoned (actor: system) for open carts idle too long; returns how many.

    The candidates come from the cart summaries, which may lag behind. Each abandonment is
    therefore sent with the version the summary saw as the expected version: a cart that
    changed since (an item added a second ago) is refused as stale and left alone.
    """
    idle_after = settings.CART_ABANDON_AFTER
    cutoff = (now or timezone.now()) - idle_after
    idle = cart_summaries().filter(status=CartStatus.OPEN, last_activity_at__lt=cutoff)
    abandoned = 0
    for cart_id, version in idle.values_list("cart_id", "version"):
        context = replace(SYSTEM, command_id=f"abandon-idle:{cart_id}:{version}")
        try:
            result = handle(
                Abandon(
                    cart_id=cart_id,
                    reason=f"idle for more than {idle_after}",
                    expected_version=version,
                ),
                Context.system(context),
            )
        except (errors.StaleVersion, errors.CartNotOpen, errors.CartNotFound):
            logger.info("cart %s changed since its summary was built; not abandoned", cart_id)
            continue
        abandoned += 0 if result.replayed else 1
    return abandoned
