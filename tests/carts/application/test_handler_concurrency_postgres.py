"""Eight processes race to change one cart: no accepted command is lost, versions never gap."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from django.db import connections

from carts.application import repository
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.models import Product
from eventstore.metadata import Metadata

pytestmark = [pytest.mark.postgres]

RACERS = 8
COMMANDS_EACH = 10


def _race(racer: int, cart_id, results) -> None:  # type: ignore[no-untyped-def]
    connections.close_all()
    context = Metadata(actor=f"user:{racer}", source="api")
    accepted = 0
    for _ in range(COMMANDS_EACH):
        try:
            handle(AddItem(cart_id=cart_id, sku="TEA-RACE", quantity=1), Context.system(context))
            accepted += 1
        except errors.ConcurrentModification:
            pass
    results.put(accepted)
    connections.close_all()


def test_racing_commands_on_one_cart_lose_nothing(committed_db):
    Product.objects.create(sku="TEA-RACE", name="Race tea", price=Decimal("1.00"))
    cart_id = handle(
        CreateCart(), Context.system(Metadata(actor="system", source="system"))
    ).cart.id
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    connections.close_all()
    racers = [context.Process(target=_race, args=(r, cart_id, results)) for r in range(RACERS)]
    for process in racers:
        process.start()
    accepted = sum(results.get(timeout=120) for _ in racers)
    for process in racers:
        process.join(timeout=60)
        assert process.exitcode == 0

    history = repository.history(cart_id)
    assert [e.version for e in history] == list(range(1, len(history) + 1))
    assert len(history) == 1 + accepted
    assert accepted > 0
    assert repository.load(cart_id).lines["TEA-RACE"].quantity == accepted
