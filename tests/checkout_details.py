"""Checkout details every test that places an order can use: a deliverable contact and address."""

from __future__ import annotations

from dataclasses import asdict

from carts.domain.values import CheckoutDetails

ORDER_NUMBER = "K7M2-9QPD"

DETAILS = CheckoutDetails(
    email="ada@example.com",
    full_name="Ada Lovelace",
    address_line1="12 St James's Square",
    city="London",
    postal_code="SW1Y 4JH",
    country="GB",
)

# The same details as the shop's form and the API take them.
DETAILS_FIELDS: dict[str, str] = asdict(DETAILS)
