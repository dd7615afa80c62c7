"""The order confirmation e-mail, sent once a checkout commits (see
carts.application.confirmation for when).

Rendered from the cart read again by replay, so it says what the events say: what was charged
(CartCheckedOut) and where it goes (CheckoutDetailsProvided). Django's e-mail framework sends
it (plain text with an HTML alternative, RFC 2046 multipart/alternative), with the backend the
settings choose: the console under ``make run``, memory in tests, SMTP in production.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from carts.application import repository
from carts.application.confirmation import placed_order

logger = logging.getLogger(__name__)


def send_order_confirmation(cart_id: UUID) -> bool:
    """E-mail the order's confirmation to the address given at checkout; whether one was sent.

    Sends nothing for a cart that is not checked out or has no details, nor when the address
    reads as erased (the person was forgotten before the message went). Raises CartNotFound for
    an unknown cart, and what the e-mail backend raises (smtplib.SMTPException, OSError).
    """
    order = placed_order(repository.load(cart_id))
    if order is None or order.details is None or order.email_erased:
        logger.info("no confirmation to send for cart %s", cart_id)
        return False
    context = {"order": order, "details": order.details, "charged": order.charged}
    message = EmailMultiAlternatives(
        subject=f"Your order {order.number} is placed",
        body=render_to_string("emails/order_confirmation.txt", context),
        to=[order.details.email],
    )
    message.attach_alternative(
        render_to_string("emails/order_confirmation.html", context), "text/html"
    )
    message.send()
    return True
