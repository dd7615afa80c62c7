"""The shop on a 375 px wide phone: no page scrolls sideways, and tables keep their labels."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.carts.web.ui.conftest import fill_checkout_details
from tests.checkout_details import DETAILS_FIELDS

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 740}
DEMO_PASSWORD = "shopper-demo"
# Whatever is wider than the viewport makes the document scroll sideways.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 0.5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
  return {scroll: doc.scrollWidth, width: doc.clientWidth, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def phone(page: Page, shop: str) -> Page:
    """A signed-in demo shopper on a 375 px wide screen, with items in the open cart."""
    page.set_viewport_size(PHONE)
    page.goto(shop + "/accounts/login/")
    page.get_by_label("Username").fill("shopper")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Hello, shopper")).to_be_visible()
    page.goto(shop + "/")
    page.locator("#add-button-TEA-GEN").click()
    expect(page.locator("#in-cart-TEA-GEN")).to_contain_text("in your cart")
    return page


def _assert_no_sideways_scroll(page: Page, screenshot, name: str) -> None:
    screenshot(f"375-{name}")
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], f"{name} scrolls sideways: {found}"


def test_no_page_scrolls_sideways_at_375_px(phone: Page, shop: str, screenshot) -> None:
    pages = {"catalog": "/", "cart": "/cart/", "carts": "/carts/", "checkout": "/checkout/"}
    for name, path in pages.items():
        phone.goto(shop + path)
        _assert_no_sideways_scroll(phone, screenshot, name)

    phone.goto(shop + "/carts/")
    # A demo cart that went all the way: created, filled, discounted, checked out.
    checked_out = phone.locator(".carts-table tbody tr", has_text="Checked out").first
    checked_out.get_by_role("link", name="History").click()
    expect(phone.locator(".event").first).to_be_visible()
    _assert_no_sideways_scroll(phone, screenshot, "history")


def test_my_carts_keeps_its_labels_at_375_px(phone: Page, shop: str) -> None:
    phone.goto(shop + "/carts/")
    first = phone.locator(".carts-table tbody tr").first
    for label in ("Status", "Items", "Total", "Started", "Last change"):
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        shown = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert shown == f'"{label}"', (label, shown)


def test_amounts_near_the_maximum_wrap_instead_of_scrolling_at_375_px(
    page: Page, shop: str, screenshot
) -> None:
    from carts.domain.money import MAX_AMOUNT
    from carts.models import Product

    Product.objects.create(sku="MAX-001", name="Tea estate", price=MAX_AMOUNT, currency="EUR")
    page.set_viewport_size(PHONE)
    page.goto(shop + "/")
    page.locator("#add-button-MAX-001").click()
    expect(page.locator("#in-cart-MAX-001")).to_contain_text("in your cart")

    page.goto(shop + "/cart/")
    expect(page.locator("#total")).to_have_text("€99,999,999.99")
    # One more unit would take the cart past the most it may hold: "+" is off.
    expect(page.locator("#more-MAX-001")).to_be_disabled()
    _assert_no_sideways_scroll(page, screenshot, "cart-maximum")
    page.goto(shop + "/checkout/")
    fill_checkout_details(page, DETAILS_FIELDS)
    _assert_no_sideways_scroll(page, screenshot, "review-maximum")
    page.locator("#place-order").click()
    expect(page.locator("#charged-total")).to_have_text("€99,999,999.99")
    _assert_no_sideways_scroll(page, screenshot, "confirmation-maximum")
    history = page.url.replace("/checkout/", "/carts/").replace("/done/", "/history/")
    page.goto(history)
    expect(page.locator(".event").first).to_be_visible()
    _assert_no_sideways_scroll(page, screenshot, "history-maximum")
    page.goto(shop + "/carts/")
    _assert_no_sideways_scroll(page, screenshot, "carts-maximum")
