"""Order numbers: readable aloud, never shared by two orders."""

from __future__ import annotations

import re
import uuid

import pytest

from carts.application import order_numbers
from carts.models import OrderNumber

pytestmark = pytest.mark.django_db


def test_a_number_is_two_groups_of_four_symbols_without_look_alikes():
    for _ in range(200):
        assert re.fullmatch(order_numbers.PATTERN, order_numbers.draw())


def test_a_number_already_taken_is_drawn_again(monkeypatch):
    first = order_numbers.reserve(uuid.uuid4())
    draws = iter([first, "WXYZ-2345"])
    monkeypatch.setattr(order_numbers, "draw", lambda: next(draws))
    cart_id = uuid.uuid4()

    assert order_numbers.reserve(cart_id) == "WXYZ-2345"
    assert OrderNumber.objects.get(number="WXYZ-2345").cart_id == cart_id
    assert OrderNumber.objects.filter(number=first).count() == 1


def test_when_every_draw_collides_it_says_so(monkeypatch):
    taken = order_numbers.reserve(uuid.uuid4())
    monkeypatch.setattr(order_numbers, "draw", lambda: taken)

    with pytest.raises(RuntimeError, match="no free order number"):
        order_numbers.reserve(uuid.uuid4())
