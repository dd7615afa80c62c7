"""A refused "Add to cart" far down the catalog is shown where the shopper pressed the button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from eventstore.models import Event

pytestmark = pytest.mark.browser


def test_a_refusal_appears_at_the_card_in_view_without_reloading(page: Page, shop: str) -> None:
    page.goto(shop + "/")
    card = page.locator(".product-card").last
    sku = card.get_attribute("id").removeprefix("product-")  # type: ignore[union-attr]
    quantity = card.locator(f"#qty-{sku}")
    quantity.scroll_into_view_if_needed()
    quantity.fill("99")
    card.locator(f"#add-button-{sku}").click()
    expect(card.locator(f"#in-cart-{sku}")).to_contain_text("99 in your cart")

    page.evaluate("window.notReloaded = true")
    before = Event.objects.count()
    quantity.fill("1")
    card.locator(f"#add-button-{sku}").click()

    error = card.locator(f"#card-error-{sku}")
    expect(error).to_contain_text("the line already holds 99")
    expect(error).to_be_in_viewport()
    assert page.evaluate("window.notReloaded") is True
    assert Event.objects.count() == before
