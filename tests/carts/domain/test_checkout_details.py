"""Checkout needs to know who the order is for and where it goes, and gives an order number."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from carts.domain import errors
from carts.domain.events import CartAbandoned, CartCheckedOut, CheckoutDetailsProvided
from carts.domain.values import ERASED
from tests.carts.domain.test_cart import CATALOG, added, given
from tests.checkout_details import DETAILS, ORDER_NUMBER

PROVIDED = CheckoutDetailsProvided(**asdict(DETAILS))


def test_providing_details_records_them_and_the_cart_holds_them():
    cart = given(added())

    cart.provide_checkout_details(DETAILS)

    assert cart.pending_events() == [PROVIDED]
    assert cart.details == DETAILS


def test_providing_the_same_details_again_records_nothing():
    cart = given(added(), PROVIDED)

    cart.provide_checkout_details(DETAILS)

    assert cart.pending_events() == []


@pytest.mark.parametrize("field", ["email", "full_name", "address_line1", "city", "country"])
def test_a_required_detail_left_empty_is_refused_and_named(field):
    cart = given(added())

    with pytest.raises(errors.InvalidCheckoutDetails, match=field) as refused:
        cart.provide_checkout_details(replace(DETAILS, **{field: "  "}))

    assert refused.value.field == field
    assert cart.pending_events() == []


def test_details_of_a_closed_cart_cannot_change():
    cart = given(added(), CartAbandoned(reason="idle"))

    with pytest.raises(errors.CartNotOpen):
        cart.provide_checkout_details(DETAILS)


def test_cannot_check_out_without_details():
    cart = given(added())

    with pytest.raises(errors.CheckoutDetailsMissing, match="shipping address"):
        cart.check_out(CATALOG, order_number=ORDER_NUMBER)

    assert cart.pending_events() == []


def test_checking_out_with_details_given_before_records_only_the_order():
    cart = given(added(), PROVIDED)

    cart.check_out(CATALOG, order_number=ORDER_NUMBER)

    (checked_out,) = cart.pending_events()
    assert isinstance(checked_out, CartCheckedOut)
    assert checked_out.order_number == ORDER_NUMBER


def test_a_refused_checkout_records_no_details_either():
    cart = given()

    with pytest.raises(errors.EmptyCart):
        cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)

    assert cart.pending_events() == []
    assert cart.details is None


def test_a_cart_holding_personal_data_is_never_snapshotted():
    assert given(added()).may_snapshot
    assert not given(added(), PROVIDED).may_snapshot


def test_details_erased_since_do_not_check_out_and_new_ones_do():
    erased = replace(PROVIDED, **{name: ERASED for name in CheckoutDetailsProvided.personal_fields})
    cart = given(added(), erased)

    with pytest.raises(errors.CheckoutDetailsMissing, match="erased"):
        cart.check_out(CATALOG, order_number=ORDER_NUMBER)
    assert cart.pending_events() == []

    cart.check_out(CATALOG, order_number=ORDER_NUMBER, details=DETAILS)
    assert isinstance(cart.pending_events()[-1], CartCheckedOut)


def test_the_domain_reads_erased_values_as_the_event_store_writes_them():
    from eventstore import personal

    assert ERASED == personal.ERASED
