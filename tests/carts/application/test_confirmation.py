"""The order confirmation: sent once a checkout commits, once, from the order's own events."""

from __future__ import annotations

import logging
import smtplib
from uuid import UUID

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from carts import tasks
from carts.application import repository
from carts.application.commands import AddItem, CheckOut, CreateCart, ProvideCheckoutDetails
from carts.application.confirmation import withheld
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.web.order_mail import send_order_confirmation
from eventstore import personal
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db

OWNER = "guest:confirmation-test"
CONTEXT = Context.system(Metadata(actor=OWNER, source="api"))


@pytest.fixture
def cart_id(catalog) -> UUID:
    """An open guest cart holding 2 x TEA-001 and 1 x MUG-001 (€21.00, version 3)."""
    cart_id = handle(CreateCart(owner_id=OWNER), CONTEXT).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), CONTEXT)
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), CONTEXT)
    return cart_id


def texts_of(message: object) -> tuple[str, str]:
    """The plain text and the HTML alternative of a sent e-mail."""
    assert isinstance(message, EmailMultiAlternatives)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(message.body), str(html)


def test_a_checkout_sends_one_confirmation_once_committed(
    cart_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = handle(CheckOut(cart_id=cart_id, details=DETAILS, expected_version=3), CONTEXT)
        assert mail.outbox == []  # nothing leaves before the order is committed

    [message] = mail.outbox
    number = result.cart.order_number
    assert message.to == ["ada@example.com"]
    assert message.subject == f"Your order {number} is placed"
    text, html = texts_of(message)
    for body in (text, html):
        assert number in body
        assert "€21.00" in body
        assert "Ada Lovelace" in body
        assert "SW1Y 4JH London" in body
        assert "United Kingdom" in body
    assert "12 St James's Square" in text
    assert "St James&#x27;s Square" in html


def test_the_same_checkout_sent_again_sends_no_second_confirmation(
    cart_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handle(CheckOut(cart_id=cart_id, details=DETAILS, expected_version=3), CONTEXT)
        again = handle(CheckOut(cart_id=cart_id, details=DETAILS, expected_version=3), CONTEXT)

    assert again.replayed
    assert len(mail.outbox) == 1


def test_a_refused_checkout_sends_nothing(cart_id, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(errors.CheckoutDetailsMissing),
    ):
        handle(CheckOut(cart_id=cart_id, expected_version=3), CONTEXT)

    assert mail.outbox == []


def test_giving_details_without_checking_out_sends_nothing(
    cart_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handle(ProvideCheckoutDetails(cart_id=cart_id, details=DETAILS), CONTEXT)
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), CONTEXT)

    assert mail.outbox == []


def test_checkouts_run_with_confirmations_withheld_send_none(
    cart_id, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), withheld():
        handle(CheckOut(cart_id=cart_id, details=DETAILS), CONTEXT)

    assert mail.outbox == []


def test_no_confirmation_goes_to_a_person_forgotten_before_it_was_sent(cart_id):
    handle(CheckOut(cart_id=cart_id, details=DETAILS), CONTEXT)
    personal.forget([repository.data_subject(repository.load(cart_id))])

    assert send_order_confirmation(cart_id) is False
    assert mail.outbox == []


def test_an_open_cart_gets_no_confirmation(cart_id):
    assert send_order_confirmation(cart_id) is False
    assert mail.outbox == []


def test_a_broker_that_cannot_be_reached_is_logged_and_the_checkout_stands(
    cart_id, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def unreachable(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.send_order_confirmation, "apply_async", unreachable)
    with (
        caplog.at_level(logging.ERROR, logger="carts.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = handle(CheckOut(cart_id=cart_id, details=DETAILS), CONTEXT)

    assert result.cart.status == "checked_out"
    assert repository.load(cart_id).status == "checked_out"
    assert f"could not enqueue the order confirmation of cart {cart_id}" in caplog.text
    assert mail.outbox == []


class DownMailServer:
    """An e-mail backend whose server cannot be reached; counts the attempts."""

    attempts = 0

    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        DownMailServer.attempts += 1
        raise smtplib.SMTPConnectError(421, b"try again later")


def test_a_mail_server_that_is_down_does_not_fail_the_checkout_nor_keep_it_waiting(
    cart_id, django_capture_on_commit_callbacks, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.DownMailServer"
    DownMailServer.attempts = 0
    with django_capture_on_commit_callbacks(execute=True):
        result = handle(CheckOut(cart_id=cart_id, details=DETAILS), CONTEXT)

    assert result.cart.status == "checked_out"
    # In-process (no broker) nothing retries while the shopper waits; a worker would.
    assert DownMailServer.attempts == 1
    assert f"could not send the order confirmation of cart {cart_id}" in caplog.text


def test_on_a_worker_a_database_error_is_retried_in_seconds_and_a_mail_server_in_minutes(
    cart_id, monkeypatch
):
    # A worker's database connection that died (a restart, a fail-over) loses no confirmation.
    from celery.exceptions import Retry
    from django.db import OperationalError

    asked: list[float] = []

    def retry(exc: Exception, countdown: float) -> Retry:
        asked.append(countdown)
        return Retry(exc=exc)

    monkeypatch.setattr(tasks.send_order_confirmation, "retry", retry)
    for failure in (
        OperationalError("the connection is closed"),
        smtplib.SMTPConnectError(421, b""),
    ):

        def failing(cart: UUID, failure: Exception = failure) -> bool:
            raise failure

        monkeypatch.setattr(tasks.order_mail, "send_order_confirmation", failing)
        with pytest.raises(Retry):
            tasks.send_order_confirmation(str(cart_id))  # called as a worker calls it
    assert asked == [5, 60]
