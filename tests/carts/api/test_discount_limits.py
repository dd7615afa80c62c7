"""An amount off is never larger than what the cart would charge, whichever interface asks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carts.application import repository
from carts.application.commands import GiveGoodwill
from carts.application.handler import Context, handle
from carts.domain import errors
from eventstore.metadata import Metadata
from tests.carts.api.conftest import problem_of


def test_a_code_worth_more_than_the_payable_total_is_refused_with_422_naming_the_maximum(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1))
    before = event_count()
    response = as_owner.post(f"/api/carts/{cart_id}/discount/", {"code": "FIVEOFF"}, format="json")
    assert response.status_code == 422
    problem = problem_of(response)
    assert problem["code"] == "discount_exceeds_total"
    assert "at most 4.50 EUR" in problem["detail"]
    assert event_count() == before
    assert repository.load(cart_id).discount is None


def test_a_code_within_the_payable_total_is_applied(as_owner, new_cart):
    cart_id = new_cart(("TEA-001", 2))
    response = as_owner.post(f"/api/carts/{cart_id}/discount/", {"code": "FIVEOFF"}, format="json")
    assert response.status_code == 200
    assert response.json()["total"] == "4.00"


def test_a_goodwill_command_beyond_the_payable_total_is_refused_and_writes_nothing(
    new_cart, event_count
):
    cart_id = new_cart(("MUG-001", 1))
    before = event_count()
    command = GiveGoodwill(cart_id=cart_id, kind="amount", value=Decimal("12.01"), currency="EUR")
    with pytest.raises(errors.DiscountExceedsTotal, match=r"at most 12\.00 EUR"):
        handle(command, Context.system(Metadata(actor="system", source="system")))
    assert event_count() == before
