"""Commands in one transaction decide once; a lost race runs the whole transaction again."""

from __future__ import annotations

import pytest

from carts.application import repository, transactions
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.domain import errors
from eventstore.errors import ConcurrencyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_id(catalog, meta):
    return handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id


@pytest.fixture
def lost_races(monkeypatch):
    """The next N appends of a command lose the race for their cart (set the count)."""
    left = [0]
    save = repository.save

    def losing(*args, **kwargs):
        if left[0]:
            left[0] -= 1
            raise ConcurrencyError("cart-x", expected=1, actual=2)
        return save(*args, **kwargs)

    monkeypatch.setattr(repository, "save", losing)
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0)
    return left


def test_inside_atomically_a_lost_race_runs_the_whole_transaction_again(
    cart_id, meta, lost_races, event_count
):
    lost_races[0] = 2
    runs = []

    def work():
        runs.append(transactions.decides_once())
        return handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))

    result = transactions.atomically(work)

    assert runs == [True, True, True]  # decided once in each of three transactions
    assert result.version == 2 and event_count() == 2


def test_atomically_gives_up_after_its_attempts_and_writes_nothing(
    cart_id, meta, lost_races, event_count
):
    lost_races[0] = transactions.ATTEMPTS
    add = AddItem(cart_id=cart_id, sku="TEA-001", quantity=1)

    with pytest.raises(errors.ConcurrentModification):
        transactions.atomically(lambda: handle(add, Context.system(meta)))

    assert lost_races[0] == 0 and event_count() == 1


def test_a_command_on_its_own_still_decides_again_in_place(cart_id, meta, lost_races):
    lost_races[0] = 2
    add = AddItem(cart_id=cart_id, sku="TEA-001", quantity=1)

    assert not transactions.decides_once()
    assert handle(add, Context.system(meta)).version == 2
