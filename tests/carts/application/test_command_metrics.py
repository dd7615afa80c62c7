"""The command path counts each command's outcome, its conflicts and retries, and times appends."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from django.contrib.auth.models import User

from carts.application import handler, repository, transactions
from carts.application.access import Person, Refused
from carts.application.commands import Abandon, AddItem, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from carts.domain import errors
from tests.metric_samples import Counted, sample

pytestmark = pytest.mark.django_db

COMMANDS = "ledger_commands_total"


def outcome(command: str, result: str, error: str = "") -> tuple[str, dict[str, str]]:
    return COMMANDS, {"command": command, "outcome": result, "error": error}


@pytest.fixture
def cart_id(catalog, meta) -> uuid.UUID:
    return handle(CreateCart(owner_id="user:1"), Context.system(meta)).cart.id


def test_an_accepted_command_is_counted_under_its_name(cart_id, meta):
    counted = Counted(outcome("cart_add_item", "accepted"))
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    assert counted.added() == [1.0]


def test_a_refused_command_is_counted_with_the_code_of_the_rule_that_refused_it(
    cart_id, meta, event_count
):
    counted = Counted(
        outcome("cart_add_item", "refused", "unknown_product"),
        outcome("cart_remove_item", "refused", "line_not_in_cart"),
    )
    with pytest.raises(errors.UnknownProduct):
        handle(AddItem(cart_id=cart_id, sku="NOPE-001", quantity=1), Context.system(meta))
    with pytest.raises(errors.LineNotInCart):
        handle(RemoveItem(cart_id=cart_id, sku="TEA-001"), Context.system(meta))
    assert counted.added() == [1.0, 1.0]
    assert event_count() == 1


def test_a_person_the_policy_refuses_is_counted_as_forbidden(catalog, meta, event_count):
    owner = User.objects.create_user("owner")
    cart_id = handle(CreateCart(owner_id=f"user:{owner.pk}"), Context.system(meta)).cart.id
    counted = Counted(outcome("cart_abandon", "refused", "forbidden"))
    # The owner may read the cart but not abandon it (an operator's action).
    with pytest.raises(Refused):
        handle(Abandon(cart_id=cart_id, reason="idle"), Context(Person(user=owner), meta))
    assert counted.added() == [1.0]
    assert event_count() == 1


def test_a_stale_version_is_counted_as_a_conflict_and_a_repeat_as_replayed(cart_id, meta):
    counted = Counted(
        outcome("cart_add_item", "conflict", "stale_version"),
        outcome("cart_create", "replayed"),
    )
    with pytest.raises(errors.StaleVersion):
        handle(
            AddItem(cart_id=cart_id, sku="TEA-001", quantity=1, expected_version=7),
            Context.system(meta),
        )
    repeated = Context.system(replace(meta, command_id="open-once"))
    handle(CreateCart(owner_id="user:1"), repeated)
    handle(CreateCart(owner_id="user:1"), repeated)
    assert counted.added() == [1.0, 1.0]


def test_a_lost_race_is_counted_as_a_conflict_and_a_retry(cart_id, meta, monkeypatch):
    real_load = repository.load_for_command
    loads: list[int] = []

    def lose_the_first_race(cart_id, command_id=""):  # type: ignore[no-untyped-def]
        loaded = real_load(cart_id, command_id)
        loads.append(1)
        if len(loads) == 1:
            loaded.cart.version -= 1  # as if another writer appended after this load
        return loaded

    monkeypatch.setattr(repository, "load_for_command", lose_the_first_race)
    counted = Counted(
        ("ledger_command_conflicts_total", {"command": "cart_add_item"}),
        ("ledger_command_retries_total", {"command": "cart_add_item"}),
        ("ledger_append_seconds_count", {"outcome": "conflict"}),
        ("ledger_append_seconds_count", {"outcome": "written"}),
        outcome("cart_add_item", "accepted"),
    )
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    assert counted.added() == [1.0, 1.0, 1.0, 1.0, 1.0]


def test_a_command_that_never_wins_counts_each_conflict_but_no_retry_after_the_last(
    cart_id, meta, monkeypatch
):
    real_load = repository.load_for_command

    def always_stale(cart_id, command_id=""):  # type: ignore[no-untyped-def]
        loaded = real_load(cart_id, command_id)
        loaded.cart.version -= 1
        return loaded

    monkeypatch.setattr(repository, "load_for_command", always_stale)
    monkeypatch.setattr(transactions, "BACKOFF_SECONDS", 0)
    counted = Counted(
        ("ledger_command_conflicts_total", {"command": "cart_add_item"}),
        ("ledger_command_retries_total", {"command": "cart_add_item"}),
        outcome("cart_add_item", "conflict", "concurrent_modification"),
    )
    with pytest.raises(errors.ConcurrentModification):
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(meta))
    attempts = float(handler.ATTEMPTS)
    assert counted.added() == [attempts, attempts - 1, 1.0]


def test_every_written_append_is_timed_in_seconds(cart_id, meta):
    before = sample("ledger_append_seconds_count", outcome="written")
    total_before = sample("ledger_append_seconds_sum", outcome="written")
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    assert sample("ledger_append_seconds_count", outcome="written") == before + 1
    assert sample("ledger_append_seconds_sum", outcome="written") > total_before
