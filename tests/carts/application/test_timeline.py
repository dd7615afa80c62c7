"""The timeline: each step's state equals replay up to that version, with the right diff."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.application.commands import (
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CreateCart,
    RemoveItem,
)
from carts.application.handler import Context, handle
from carts.application.timeline import cart_timeline

pytestmark = pytest.mark.django_db


def test_each_step_shows_the_cart_as_replay_gives_it(catalog, meta):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    handle(AddItem(cart_id=cart_id, sku="MUG-001", quantity=1), Context.system(meta))
    handle(ChangeQuantity(cart_id=cart_id, sku="TEA-001", quantity=3), Context.system(meta))
    handle(RemoveItem(cart_id=cart_id, sku="MUG-001"), Context.system(meta))
    handle(ApplyDiscount(cart_id=cart_id, code="WELCOME10"), Context.system(meta))

    steps = cart_timeline(cart_id)

    assert len(steps) == 6
    for step in steps:
        replayed = repository.load(cart_id, to_version=step.event.version)
        assert step.after.total == replayed.total
        assert [(line.sku, line.quantity) for line in step.after.lines] == [
            (line.sku, line.quantity) for line in replayed.lines.values()
        ]
    assert [(c.sku, c.kind) for c in steps[1].changes] == [("TEA-001", "added")]
    assert [(c.kind, c.quantity_before, c.quantity_after) for c in steps[3].changes] == [
        ("changed", 2, 3)
    ]
    assert [(c.sku, c.kind) for c in steps[4].changes] == [("MUG-001", "removed")]
    assert steps[5].changes == () and steps[5].totals_changed
    assert steps[1].summary == "Added 2 × Green tea at 4.50 EUR"
