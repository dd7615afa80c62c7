"""The rules every interface's checkout details pass through."""

from __future__ import annotations

import pytest

from carts.application.checkout_details import checked_details
from carts.domain.errors import InvalidCheckoutDetails
from tests.checkout_details import DETAILS_FIELDS


def test_names_that_need_zero_width_joiners_are_accepted():
    name = "محمد\u200cرضا"

    assert checked_details({**DETAILS_FIELDS, "full_name": name}).full_name == name


# Python's str.split() counts U+001C..U+001F, U+0085, vertical tab and form feed as spaces:
# they are refused as the controls they are, not tidied away.
@pytest.mark.parametrize(
    "char",
    ["\u0000", "\u0007", "\u200b", "\u202e", "\u2066", "\ud800", "\x1f", "\x85", "\x0b", "\x0c"],
)
def test_control_and_bidirectional_override_characters_are_refused(char):
    with pytest.raises(InvalidCheckoutDetails, match="control characters") as refused:
        checked_details({**DETAILS_FIELDS, "city": f"Lon{char}don"})

    assert refused.value.field == "city"


def test_an_address_is_normalised_and_the_country_upper_cased():
    details = checked_details(
        {**DETAILS_FIELDS, "email": "Ada@Example.COM", "country": "gb", "city": "  London "}
    )

    assert (details.email, details.country, details.city) == ("Ada@example.com", "GB", "London")


def test_tabs_and_line_breaks_of_a_pasted_address_are_tidied_into_spaces():
    details = checked_details({**DETAILS_FIELDS, "address_line1": "12 St James's\r\n\tSquare"})

    assert details.address_line1 == "12 St James's Square"
