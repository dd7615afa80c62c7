"""Staff actions in a shopper's history: the shopper reads "the shop", staff read everything."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NOTE = "customer asked by phone"


def test_staff_actions_show_as_the_shop_to_the_shopper_and_in_full_to_staff(
    alice, alice_client, make_cart, agent_client
):
    cart_id = make_cart(alice, {"MUG-001": 2})
    agent_client.post(
        reverse("admin:carts_cart_goodwill", args=[cart_id]),
        {"kind": "amount", "value": "4.00", "currency": "EUR"},
    )
    agent_client.post(
        reverse("admin:carts_cart_abandon", args=[cart_id]), {"reason": NOTE, "confirm": "yes"}
    )

    shopper_page = alice_client.get(f"/carts/{cart_id}/history/").content.decode()
    assert shopper_page.count('class="event"') == 4
    assert "The shop gave a discount (4.00 EUR off)" in shopper_page
    assert "Cart closed without checkout" in shopper_page
    assert shopper_page.count("by <strong>the shop</strong></p>") == 2
    assert shopper_page.count("by <strong>you</strong> via the shop") == 2
    for staff_only in (NOTE, "agent", "admin", "cart.CartAbandoned", "user:"):
        assert staff_only not in shopper_page, staff_only

    staff_page = agent_client.get(reverse("admin:carts_cart_timeline", args=[cart_id]))
    staff_html = staff_page.content.decode()
    assert f"Abandoned: {NOTE}" in staff_html
    assert "(agent)" in staff_html and "GOODWILL" in staff_html
