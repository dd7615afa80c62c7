"""The same checkout sent several times at once (a double click, a client's retries) is one
order, and every copy is answered with it."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from django.db import connections

from carts.application import repository
from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from carts.domain.events import CartCheckedOut
from carts.models import Product
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = [pytest.mark.postgres]

COPIES = 6
SYSTEM = Metadata(actor="system", source="system")


def _check_out(cart_id, version, start, results) -> None:  # type: ignore[no-untyped-def]
    connections.close_all()
    start.wait(timeout=60)
    try:
        result = handle(
            CheckOut(details=DETAILS, cart_id=cart_id, expected_version=version),
            Context.system(SYSTEM),
        )
        results.put(("ok", result.cart.status, str(result.cart.total)))
    except Exception as refused:  # the test reports whatever a copy was answered
        results.put(("refused", type(refused).__name__, str(refused)))
    connections.close_all()


def test_copies_of_one_checkout_sent_at_once_are_one_order_answered_to_each(committed_db):
    Product.objects.create(sku="TEA-RACE", name="Race tea", price=Decimal("2.50"))
    cart_id = handle(CreateCart(), Context.system(SYSTEM)).cart.id
    added = handle(AddItem(cart_id=cart_id, sku="TEA-RACE", quantity=2), Context.system(SYSTEM))
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(COPIES), context.Queue()
    connections.close_all()
    copies = [
        context.Process(target=_check_out, args=(cart_id, added.version, start, results))
        for _ in range(COPIES)
    ]
    for process in copies:
        process.start()
    answers = [results.get(timeout=120) for _ in copies]
    for process in copies:
        process.join(timeout=60)

    assert answers == [("ok", "checked_out", "5.00")] * COPIES
    history = repository.history(cart_id)
    assert [type(event.data) for event in history].count(CartCheckedOut) == 1
    assert [event.version for event in history] == list(range(1, len(history) + 1))
