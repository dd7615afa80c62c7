"""A confirmation whose task was lost (a broker that forgot its queue) or never queued (a broker
away) is asked for again by the periodic sweep; one settled is never sent twice."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from carts import tasks
from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.confirmation import withheld
from carts.application.handler import Context, handle
from carts.models import OrderConfirmation
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db

OWNER = "guest:sweep-test"
CONTEXT = Context.system(Metadata(actor=OWNER, source="api"))


def place_order() -> UUID:
    cart_id = handle(CreateCart(owner_id=OWNER), CONTEXT).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), CONTEXT)
    handle(CheckOut(cart_id=cart_id, details=DETAILS), CONTEXT)
    return cart_id


def later(minutes: float) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def test_a_sent_confirmation_is_settled_and_never_sent_again(
    catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cart_id = place_order()
    assert len(mail.outbox) == 1
    row = OrderConfirmation.objects.get(cart_id=cart_id)
    assert (row.outcome, row.settled_at is not None) == ("sent", True)

    assert tasks.send_order_confirmation.delay(str(cart_id)).get() is False  # delivered twice
    assert tasks.sweep_order_confirmations(now=later(10)) == 0
    assert len(mail.outbox) == 1


def test_a_confirmation_never_queued_is_sent_by_the_sweep_once_overdue(
    catalog, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    def broker_away(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # As kombu answers when the broker is away (tests/faults/test_broker_down.py has the real
    # one); no catch-up is woken on another thread meanwhile.
    monkeypatch.setattr(tasks.send_order_confirmation, "apply_async", broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        cart_id = place_order()
    monkeypatch.undo()
    assert "could not enqueue the order confirmation" in caplog.text
    assert mail.outbox == []

    assert tasks.sweep_order_confirmations(now=later(2)) == 0  # its task may still be running
    assert tasks.sweep_order_confirmations(now=later(6)) == 1
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert OrderConfirmation.objects.get(cart_id=cart_id).outcome == "sent"
    assert tasks.sweep_order_confirmations(now=later(7)) == 0
    assert len(mail.outbox) == 1


def test_a_confirmation_whose_mail_server_refuses_waits_for_its_retry_before_the_sweep(
    catalog, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args: object, **kwargs: object) -> None:
        raise smtplib.SMTPServerDisconnected("the mail server went away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        cart_id = place_order()
    row = OrderConfirmation.objects.get(cart_id=cart_id)
    assert (row.attempts, row.settled_at) == (1, None)
    assert "the mail server went away" in row.outcome
    monkeypatch.undo()

    # Due again 60 s after the failure, plus the grace of its own run.
    assert tasks.sweep_order_confirmations(now=later(5.5)) == 0
    assert tasks.sweep_order_confirmations(now=later(6.5)) == 1
    assert len(mail.outbox) == 1
    assert OrderConfirmation.objects.get(cart_id=cart_id).outcome == "sent"


def test_withheld_orders_and_checkouts_outside_the_window_are_left_alone(
    catalog, django_capture_on_commit_callbacks, settings
):
    with withheld(), django_capture_on_commit_callbacks(execute=True):
        cart_id = place_order()
    assert OrderConfirmation.objects.get(cart_id=cart_id).outcome == "withheld"
    assert tasks.sweep_order_confirmations(now=later(6)) == 0
    OrderConfirmation.objects.filter(cart_id=cart_id).delete()  # as if never recorded
    settings.ORDER_CONFIRMATION_SWEEP_HOURS = 1
    assert tasks.sweep_order_confirmations(now=later(61)) == 0  # older than the window
    assert mail.outbox == []
