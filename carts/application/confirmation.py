"""An order as its confirmation shows it, and the confirmation e-mail sent once it is placed.

The checkout path (``handler.handle``) calls :func:`after_checkout` with the events a command
recorded; when they hold a CartCheckedOut, :data:`order_placed` is sent once the transaction
commits (never for a checkout that rolled back, nor for a repeated one, which records nothing).
``carts.tasks`` connects the Celery task that sends the e-mail (carts.web.order_mail) to it,
so this layer names no interface, and the shop, the API and the admin all send it alike.
:func:`placed_order` is the order as the e-mail and the done page show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from carts.application import order_numbers, selectors
from carts.application.checkout_details import country_name, is_erased
from carts.domain.cart import Cart
from carts.domain.events import CartCheckedOut
from carts.domain.values import CheckoutDetails
from carts.models import OrderConfirmation

order_placed = Signal()
"""Sent after the commit of a checkout, with ``cart_id`` (UUID): ask for its confirmation."""

_withheld: ContextVar[bool] = ContextVar("confirmations_withheld", default=False)


@dataclass(frozen=True)
class PlacedOrder:
    """A checked-out cart as a customer reads it: its number, the charge, where it goes."""

    cart_id: UUID
    number: str
    charged: CartCheckedOut
    details: CheckoutDetails | None

    @property
    def country_name(self) -> str:
        return country_name(self.details.country) if self.details else ""

    @property
    def email_erased(self) -> bool:
        """Whether the contact address reads as erased (the person was forgotten)."""
        return self.details is not None and is_erased(self.details.email)


def placed_order(cart: Cart) -> PlacedOrder | None:
    """The order ``cart`` (read by replay) was checked out as; None while it is not one."""
    charged = selectors.checkout_of(cart)
    if charged is None:
        return None
    return PlacedOrder(
        cart_id=cart.id,
        number=order_numbers.shown(charged.order_number, cart.id),
        charged=charged,
        details=cart.details,
    )


def after_checkout(cart_id: UUID, recorded: Iterable[Any]) -> None:
    """Send :data:`order_placed` for ``cart_id`` once the current transaction commits, if
    ``recorded`` (the events a command wrote) holds its checkout. Outside a transaction the
    events are committed already, and it is sent at once."""
    if not any(isinstance(event, CartCheckedOut) for event in recorded):
        return
    if _withheld.get():
        # Settled as withheld, in the checkout's transaction, so the sweep leaves it alone.
        OrderConfirmation.objects.update_or_create(
            cart_id=cart_id,
            defaults={"settled_at": timezone.now(), "outcome": OrderConfirmation.WITHHELD},
        )
        return
    transaction.on_commit(lambda: order_placed.send(sender=after_checkout, cart_id=cart_id))


@contextmanager
def withheld() -> Iterator[None]:
    """Checkouts run inside ask for no confirmation: orders nobody is waiting to hear about
    (the demo's, written as if placed days ago)."""
    token = _withheld.set(True)
    try:
        yield
    finally:
        _withheld.reset(token)
