"""The shop's selectors: a shopper's carts found from the event log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from carts.application import selectors
from carts.application.access import Action, Person
from carts.application.commands import AddItem, CheckOut, CreateCart, MergeCarts
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.web import listings
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db

CONTEXT = Metadata(actor="user:7", source="ui")


def _cart(owner: str = "user:7", items: dict[str, int] | None = None):
    cart_id = handle(CreateCart(owner_id=owner), Context.system(CONTEXT)).cart.id
    for sku, quantity in (items or {}).items():
        handle(AddItem(cart_id=cart_id, sku=sku, quantity=quantity), Context.system(CONTEXT))
    return cart_id


def _user(pk: int) -> User:
    """A signed-in shopper whose carts are owned by ``user:<pk>``."""
    return User.objects.get_or_create(pk=pk, defaults={"username": f"shopper-{pk}"})[0]


@pytest.fixture
def projected():
    from projections.tasks import catch_up

    return lambda: catch_up(retry_now=True)


def test_open_cart_for_finds_a_cart_the_summaries_have_not_reached_yet(catalog):
    cart_id = _cart()
    found = listings.open_cart_for("user:7")
    assert found is not None and found.id == cart_id


def test_open_cart_for_confirms_a_summarised_cart_by_replaying_it(catalog, projected):
    cart_id = _cart(items={"TEA-001": 1})
    projected()
    handle(CheckOut(details=DETAILS, cart_id=cart_id), Context.system(CONTEXT))  # not projected yet
    assert listings.open_cart_for("user:7") is None


def test_open_cart_for_is_the_newest_open_cart_of_the_owner(catalog):
    older = _cart()
    newer = _cart(items={"TEA-001": 1})
    handle(CheckOut(details=DETAILS, cart_id=newer), Context.system(CONTEXT))
    _cart(owner="user:8")
    found = listings.open_cart_for("user:7")
    assert found is not None and found.id == older


def test_open_cart_for_is_none_without_an_open_cart(catalog):
    done = _cart(items={"TEA-001": 1})
    handle(CheckOut(details=DETAILS, cart_id=done), Context.system(CONTEXT))
    assert listings.open_cart_for("user:7") is None
    assert listings.open_cart_for("") is None


def test_a_shopper_sees_owned_carts_merged_guest_carts_and_session_carts(catalog):
    owned = _cart()
    guest = _cart(owner="guest:earlier", items={"MUG-001": 1})
    handle(MergeCarts(source_cart_id=guest, target_cart_id=owned), Context.system(CONTEXT))
    session_guest = _cart(owner="guest:now")
    someone_elses = _cart(owner="user:8")
    another_guests = _cart(owner="guest:other")
    shopper = Person(user=_user(7), guest_id="guest:now")
    assert set(selectors.shopper_cart_ids(shopper)) == {owned, guest, session_guest}
    for cart_id in (owned, guest, session_guest):
        assert selectors.readable_cart(shopper, cart_id, Action.READ).id == cart_id
    for cart_id in (someone_elses, another_guests):
        with pytest.raises(errors.CartNotFound):
            selectors.readable_cart(shopper, cart_id, Action.READ)


def test_shopper_carts_are_listed_most_recently_active_first(catalog, projected):
    first = _cart()
    second = _cart()
    handle(AddItem(cart_id=first, sku="TEA-001", quantity=1), Context.system(CONTEXT))
    projected()
    listed = listings.shopper_carts(Person(user=_user(7)))
    assert [summary.cart_id for summary in listed.summaries] == [first, second]
    assert listed.lag_events == 0
