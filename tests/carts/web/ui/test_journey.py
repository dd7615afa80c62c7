"""A shopper's whole journey in a real browser, with htmx doing the in-page updates."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from eventstore.models import Event

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "shopper-demo"
ORDER_NUMBER = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


def _units_in_badge(page: Page) -> int:
    return int(page.locator("#cart-badge .badge-count").inner_text())


def test_guest_shops_logs_in_and_the_cart_follows_through_checkout_and_history(
    page: Page, shop: str, screenshot
) -> None:
    page.goto(shop + "/")
    expect(page.get_by_role("heading", name="Loose-leaf teas & teaware")).to_be_visible()
    screenshot("01-catalog")

    # Add from the catalog grid: htmx updates the card and the badge, the page stays.
    page.evaluate("window.notReloaded = true")
    page.locator("#add-button-TEA-GEN").click()
    expect(page.locator("#in-cart-TEA-GEN")).to_contain_text("1 in your cart")
    expect(page.locator("#cart-badge .badge-count")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    page.get_by_label("Search the catalog").fill("oolong")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".product-card")).to_have_count(1)
    page.get_by_role("link", name="Tieguanyin Oolong").click()
    expect(page.get_by_role("heading", name="Tieguanyin Oolong")).to_be_visible()

    # htmx adds without a reload: a marker set on the page survives the update.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Quantity of Tieguanyin Oolong").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#in-cart-TEA-OOL")).to_contain_text("2 in your cart")
    expect(page.locator("#cart-badge .badge-count")).to_have_text("3")
    expect(page.locator("#messages")).to_contain_text("Added 2 × Tieguanyin Oolong to your cart.")
    assert page.evaluate("window.notReloaded") is True
    screenshot("02-product")

    # Log in: the guest cart merges into the shopper's open cart.
    page.get_by_role("link", name="Log in").click()
    screenshot("03-login")
    page.get_by_label("Username").fill("shopper")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Hello, shopper")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Cart, \d+ items?")).click()
    oolong = page.get_by_label("Quantity of Tieguanyin Oolong")
    held = int(oolong.input_value())
    assert held >= 2

    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="One more Tieguanyin Oolong").click()
    expect(oolong).to_have_value(str(held + 1))
    assert page.evaluate("window.notReloaded") is True

    # Out of the cart's bounds: the field's own bounds stop the browser from sending it (the
    # cart's message for a quantity that is sent anyway is tested in tests/carts/web/views).
    events_before = Event.objects.count()
    oolong.fill("100")
    page.locator("#update-TEA-OOL").click()
    assert oolong.evaluate("el => el.validity.rangeOverflow") is True
    assert page.evaluate("window.notReloaded") is True
    oolong.fill(str(held + 1))
    assert Event.objects.count() == events_before

    # Remove every other line, then apply a discount code.
    others = page.locator("button[id^=remove-]:not(#remove-TEA-OOL)")
    assert others.count() >= 1  # at least the Genmaicha added as a guest
    for remaining in range(others.count(), 0, -1):
        others.first.click()
        expect(others).to_have_count(remaining - 1)
    expect(page.locator("tbody tr")).to_have_count(1)
    if page.locator("#discount-remove").count():
        page.locator("#discount-remove").click()
        expect(page.locator("#discount-code")).to_be_visible()
    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#messages")).to_contain_text("Discount code WELCOME10 applied.")
    expected_total = page.locator("#total").inner_text()
    quantity = held + 1
    assert expected_total == _money(quantity * 12.80 - round(quantity * 12.80 * 0.10, 2))
    screenshot("04-cart")

    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", name="Checkout", exact=True)).to_be_visible()
    # The demo shopper's last order went to Lyon: its details are offered again.
    expect(page.get_by_label("Contact e-mail")).to_have_value("shopper@example.com")
    expect(page.get_by_label("Full name")).to_have_value("Mina Okafor")
    expect(page.get_by_label("City")).to_have_value("Lyon")
    expect(page.get_by_label("Country")).to_have_value("FR")
    screenshot("05-checkout-review")

    # An address the browser lets through but no mail server takes: refused next to its field.
    events_before = Event.objects.count()
    page.get_by_label("Contact e-mail").fill("mina@example")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(page.locator("#id_email_error")).to_contain_text("is not an address")
    expect(page.locator("#details-problems")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_value("Mina Okafor")
    assert Event.objects.count() == events_before
    screenshot("05b-checkout-refused")
    page.get_by_label("Contact e-mail").fill("mina@example.com")
    page.get_by_role("button", name=re.compile("^Place order")).click()

    expect(page.locator("#charged-total")).to_have_text(expected_total)
    expect(page.locator("#cart-badge .badge-count")).to_have_text("0")
    expect(page.locator("#order-number")).to_have_text(ORDER_NUMBER)
    number = page.locator("#order-number").inner_text()
    expect(page.locator("#ship-to")).to_contain_text("Mina Okafor")
    expect(page.locator("#ship-to")).to_contain_text("69002 Lyon")
    expect(page.locator("#ship-to")).to_contain_text("France")
    expect(page.locator("#confirmation-sent")).to_contain_text("mina@example.com")
    [confirmation] = [m for m in mail.outbox if m.to == ["mina@example.com"]]
    assert number in confirmation.subject and expected_total in confirmation.body
    screenshot("06-confirmation")
    cart_id = page.url.rstrip("/").split("/")[-2]

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My carts").click()
    expect(page.locator(".status-merged").first).to_be_visible()
    expect(page.locator(f"#cart-{cart_id} .status")).to_have_text("Checked out")
    screenshot("07-my-carts")

    page.locator(f"#cart-{cart_id}").get_by_role("link", name=re.compile("^History")).click()
    expect(page.get_by_role("heading", name=re.compile("^History of cart"))).to_be_visible()
    expect(page.locator(".event").last).to_contain_text(f"Checked out as order {number}")
    expect(page.locator(".event").nth(-2)).to_contain_text(
        "Checkout details given: delivery to Lyon, France"
    )
    expect(page.locator(".events")).not_to_contain_text("mina@example.com")
    expect(page.locator(".events")).to_contain_text("Merged 2 line(s) from a guest cart")

    # Time travel to an earlier step: the panel shows the cart as it was then.
    page.evaluate("window.notReloaded = true")
    page.get_by_role("navigation", name="Steps").get_by_role("link", name="2", exact=True).click()
    expect(page.locator("#version-output")).to_have_text("2")
    expect(page.locator(".snapshot-title")).to_contain_text("After step #2")
    expect(page.locator(".snapshot .status")).to_have_text("Open")
    expect(page.locator(".snapshot tr.is-changed").first).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert "version=2" in page.url
    screenshot("08-history-time-travel")


def _money(amount: float) -> str:
    return f"€{amount:,.2f}"
