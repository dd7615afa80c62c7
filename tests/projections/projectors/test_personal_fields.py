"""Read models and forgetting: personal fields go on the next catch-up and stay gone on rebuild;
every figure that is not personal stays exactly as it was."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from carts.application import forgetting
from carts.application.commands import CheckOut
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata
from eventstore.personal import ERASED
from projections import rebuild
from projections.registry import names
from projections.selectors import cart_summaries
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(new_cart, meta):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user("shopper-1")
    cart_id = new_cart({"TEA-001": 2, "MUG-001": 1}, owner_id=f"user:{user.pk}")
    handle(CheckOut(cart_id=cart_id, details=DETAILS), Context.system(meta))
    return user, cart_id


def _forget(user) -> None:  # type: ignore[no-untyped-def]
    staff = Context.system(Metadata(actor="user:999", source="admin"))
    forgetting.forget_customer(f"user:{user.pk}", reason="ticket #7", context=staff)


def _figures(read_model) -> dict[str, object]:  # type: ignore[no-untyped-def]
    figures = {name: read_model(name) for name in names()}
    for row in figures["cart_summaries"]["CartSummary"]:  # type: ignore[index]
        row.pop("contact_email")
    return figures


def test_a_checked_out_summary_holds_its_order_number_contact_and_country(bought, project):
    _, cart_id = bought
    project()

    summary = cart_summaries().get(cart_id=cart_id)

    assert len(summary.order_number) == 9
    assert (summary.contact_email, summary.ship_to_country) == (DETAILS.email, "GB")


def test_forgetting_erases_the_contact_on_the_next_catch_up_and_changes_no_figure(
    bought, project, read_model
):
    user, cart_id = bought
    project()
    before = _figures(read_model)

    _forget(user)
    project()

    assert cart_summaries().get(cart_id=cart_id).contact_email == ERASED
    assert _figures(read_model) == before


def test_a_rebuild_after_forgetting_holds_no_personal_data_and_the_same_figures(
    bought, project, read_model
):
    user, cart_id = bought
    project()
    before = _figures(read_model)
    _forget(user)

    for name in names():
        rebuild.rebuild(name)

    summary = cart_summaries().get(cart_id=cart_id)
    assert (summary.contact_email, summary.ship_to_country) == (ERASED, "GB")
    assert _figures(read_model) == before
