"""A guest's order in a real browser, before and after the guest was forgotten."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from carts.application import repository
from eventstore import personal
from tests.carts.web.ui.conftest import fill_checkout_details
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.browser


def test_a_guest_orders_and_once_forgotten_sees_erased_instead_of_their_details(
    page: Page, shop: str, screenshot
) -> None:
    page.goto(shop + "/")
    page.locator("#add-button-TEA-SEN").click()
    expect(page.locator("#in-cart-TEA-SEN")).to_contain_text("1 in your cart")
    page.goto(shop + "/checkout/")
    expect(page.get_by_label("Contact e-mail")).to_have_value("")  # nothing offered to a guest
    fill_checkout_details(page, DETAILS_FIELDS)
    page.locator("#place-order").click()
    expect(page.locator("#ship-to")).to_contain_text("Ada Lovelace")
    done = page.url
    cart_id = done.rstrip("/").split("/")[-2]
    history = f"{shop}/carts/{cart_id}/history/"
    page.goto(history)
    expect(page.locator(".events")).to_contain_text("delivery to London, United Kingdom")
    screenshot("09-history-before-erasure")

    personal.forget([repository.data_subject(repository.load(repository.cart_id_of(cart_id)))])

    page.goto(done)
    expect(page.locator("#ship-to .pill-erased")).to_have_count(4)
    expect(page.locator("#ship-to")).to_contain_text("United Kingdom")
    expect(page.locator("#ship-to")).not_to_contain_text("Ada")
    expect(page.locator("#order-number")).to_have_text(re.compile(r"^\S{4}-\S{4}$"))
    screenshot("10-confirmation-erased")
    page.goto(history)
    details_step = page.locator(".event", has_text="Checkout details given")
    expect(details_step).to_contain_text("delivery to United Kingdom")
    expect(details_step.locator(".pill-erased")).to_have_text("erased")
    expect(page.locator("main")).not_to_contain_text("London")
    expect(page.locator("main")).not_to_contain_text(personal.ERASED)
    screenshot("11-history-erased")
