"""Concurrent duplicates with one Idempotency-Key: exactly one runs, all get its answer.

Real threads with their own connections and committed transactions, on PostgreSQL: the unique
(user, key) index makes the duplicates wait for the first transaction, then replay its answer.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carts.application import repository
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.models import IdempotencyRecord, Product
from eventstore.metadata import Metadata
from eventstore.models import Event

pytestmark = [pytest.mark.postgres]

DUPLICATES = 6


def test_concurrent_duplicates_write_once_and_all_get_the_first_answer(committed_db):
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    user = User.objects.create_user("racer")
    token = Token.objects.create(user=user).key
    cart = handle(
        CreateCart(owner_id=f"user:{user.pk}"),
        Context.system(Metadata(actor=f"user:{user.pk}", source="system")),
    ).cart
    barrier = threading.Barrier(DUPLICATES)
    answers: list[tuple[int, dict, str]] = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            response = client.post(
                f"/api/carts/{cart.id}/items/",
                {"sku": "TEA-001", "quantity": 1},
                format="json",
                HTTP_IDEMPOTENCY_KEY="same-key",
            )
            answers.append((response.status_code, response.json(), response["ETag"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(DUPLICATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Event.objects.filter(stream_id=f"cart-{cart.id}").count() == 2
    assert IdempotencyRecord.objects.filter(key="same-key").count() == 1
    assert len(answers) == DUPLICATES
    assert {status for status, _, _ in answers} == {200}
    assert {etag for _, _, etag in answers} == {'"2"'}
    assert all(body == answers[0][1] for _, body, _ in answers)
    assert answers[0][1]["lines"][0]["quantity"] == 1


def test_a_keyed_command_that_loses_the_race_for_its_cart_still_follows_the_winner_in_the_log(
    committed_db, monkeypatch
):
    # Twice, just after the keyed command has read the cart, another writer appends to it: the
    # command's append loses the race both times, then succeeds. Its event must come after
    # both in the global log, as it does in the cart: a retry inside the transaction that had
    # tried to write would sort it before the second.
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    user = User.objects.create_user("late")
    context = Context.system(Metadata(actor=f"user:{user.pk}", source="system"))
    cart = handle(CreateCart(owner_id=f"user:{user.pk}"), context).cart
    load_for_command = repository.load_for_command
    interruptions = [1, 2]

    def another_writer_meanwhile(*args, **kwargs):
        loaded = load_for_command(*args, **kwargs)
        if interruptions and threading.current_thread() is threading.main_thread():
            interruptions.pop()
            writer = threading.Thread(target=_add_tea, args=(cart.id, context))
            writer.start()
            writer.join()
        return loaded

    monkeypatch.setattr(repository, "load_for_command", another_writer_meanwhile)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.post(
        f"/api/carts/{cart.id}/items/",
        {"sku": "TEA-001", "quantity": 5},
        format="json",
        HTTP_IDEMPOTENCY_KEY="late-key",
    )

    assert response.status_code == 200, response.content
    assert interruptions == []
    in_log_order = Event.objects.filter(stream_id=f"cart-{cart.id}").order_by("tx_id", "position")
    assert list(in_log_order.values_list("version", flat=True)) == [1, 2, 3, 4]
    assert response.json()["lines"][0]["quantity"] == 7


def _add_tea(cart_id, context) -> None:
    try:
        handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), context)
    finally:
        connection.close()
