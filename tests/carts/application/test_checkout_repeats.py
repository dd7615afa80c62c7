"""A checkout asked again at the version it bought is the same order, not a stale decision."""

from __future__ import annotations

import pytest

from carts.application import repository
from carts.application.commands import AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from carts.domain import errors
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_at_version_2(catalog, meta):
    cart_id = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(meta))
    return cart_id


def test_checking_out_again_at_the_version_bought_answers_as_before_and_writes_nothing(
    cart_at_version_2, meta, event_count
):
    first = handle(
        CheckOut(details=DETAILS, cart_id=cart_at_version_2, expected_version=2),
        Context.system(meta),
    )
    before = event_count()

    again = handle(
        CheckOut(details=DETAILS, cart_id=cart_at_version_2, expected_version=2),
        Context.system(meta),
    )

    assert again.replayed
    assert again.version == first.version == 4  # its details, then the order
    assert again.cart.status == "checked_out"
    assert event_count() == before


def test_checking_out_a_version_older_than_the_one_bought_is_still_stale(
    cart_at_version_2, meta, event_count
):
    handle(
        CheckOut(details=DETAILS, cart_id=cart_at_version_2, expected_version=2),
        Context.system(meta),
    )
    before = event_count()

    with pytest.raises(errors.StaleVersion):
        handle(
            CheckOut(details=DETAILS, cart_id=cart_at_version_2, expected_version=1),
            Context.system(meta),
        )

    assert event_count() == before
    assert repository.load(cart_at_version_2).version == 4
