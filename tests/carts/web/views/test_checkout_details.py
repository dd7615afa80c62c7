"""One-page checkout: contact and delivery details with the order, refused in place when wrong,
offered again next time, and the order's number, address and confirmation e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from carts.application import repository
from carts.application.commands import CheckOut, ProvideCheckoutDetails
from carts.application.handler import Context, handle
from carts.web.shopper import CART_KEY
from eventstore import personal
from eventstore.metadata import Metadata
from tests.carts.application.test_confirmation import texts_of
from tests.checkout_details import DETAILS, DETAILS_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_cart(client: Client, catalog):
    """The guest's cart: 2 x TEA-001 and 1 x MUG-001 (€21.00), at version 3."""
    client.post("/cart/add/", {"sku": "TEA-001", "quantity": "2"})
    client.post("/cart/add/", {"sku": "MUG-001", "quantity": "1"})
    return repository.cart_id_of(f"cart-{client.session[CART_KEY]}")


def place(client: Client, cart_id, **fields: str):
    return client.post(f"/checkout/{cart_id}/", {"version": "3", **DETAILS_FIELDS, **fields})


def value_of(html: str, name: str) -> str | None:
    """The value an input of the page holds, or None."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, name
    value = re.search(r'value="([^"]*)"', found[0])
    return value[1] if value else None


def selected_country(html: str) -> str | None:
    found = re.search(r'<option value="([A-Z]{2})" selected>', html)
    return found[1] if found else None


def test_the_checkout_asks_for_contact_and_delivery_details(client, guest_cart):
    html = client.get("/checkout/").content.decode()

    for name in DETAILS_FIELDS:
        assert f'name="{name}"' in html, name
    assert 'autocomplete="email"' in html and 'autocomplete="postal-code"' in html
    assert '<option value="" selected>Choose a country</option>' in html
    countries = re.findall(r'<option value="([A-Z]{2})">([^<]+)</option>', html)
    names = [name for _, name in countries]
    assert ("GB", "United Kingdom") in countries and ("DE", "Germany") in countries
    assert names.index("Afghanistan") < names.index("Germany") < names.index("Zimbabwe")
    assert 'form="checkout-form"' in html and 'id="place-order"' in html


def test_the_countries_offered_are_those_the_shop_ships_to(client, guest_cart, settings):
    settings.SHOP_SHIPS_TO = ["FR", "DE"]

    html = client.get("/checkout/").content.decode()

    assert re.findall(r'<option value="([A-Z]{2})"', html) == ["FR", "DE"]


def test_placing_an_order_without_details_names_the_field_and_writes_nothing(
    client, guest_cart, event_count
):
    before = event_count()

    response = client.post(f"/checkout/{guest_cart}/", {"version": "3"})

    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="field-error" id="id_email_error">Contact e-mail is required' in html
    assert 'aria-invalid="true"' in html
    assert 'id="details-problems"' in html and 'href="#id_email"' in html
    assert event_count() == before
    assert repository.load(guest_cart).is_open


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("email", "ada@", "Contact e-mail &#x27;ada@&#x27; is not an address"),
        ("email", "ada at example.com", "is not an address"),
        ("country", "ZZ", "Country &#x27;ZZ&#x27; is not an ISO 3166-1 alpha-2 code"),
        ("country", "United Kingdom", "Choose the country from the list."),
        ("full_name", "Ada\x1bLovelace", "Full name holds control characters."),
        ("address_line2", "Flat 3\u202e", "Address line 2 holds control characters."),
        ("city", "L" * 101, "Enter a city of at most 100 characters"),
        ("postal_code", " ", "Postal code is required for checkout."),
    ],
)
def test_details_the_rules_refuse_come_back_next_to_their_field_and_write_nothing(
    client, guest_cart, event_count, field, value, shown
):
    before = event_count()

    response = place(client, guest_cart, **{field: value})

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', html)
    assert error and shown in error[1], html[:3000]
    assert html.count('class="field-error"') == 1
    assert event_count() == before
    assert repository.load(guest_cart).is_open
    # What the shopper typed stays in the form, to be corrected rather than typed again.
    assert value_of(html, "full_name") == (
        "Ada\x1bLovelace" if field == "full_name" else "Ada Lovelace"
    )


def test_the_same_details_placed_twice_make_one_order_and_one_confirmation(
    client, guest_cart, event_count, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = place(client, guest_cart)
        written = event_count()
        again = place(client, guest_cart)

    assert first.status_code == again.status_code == 302
    assert again["Location"] == f"/checkout/{guest_cart}/done/"
    assert event_count() == written
    [message] = mail.outbox
    number = repository.load(guest_cart).order_number
    assert message.to == ["ada@example.com"]
    for text in texts_of(message):
        assert number in text and "€21.00" in text
        assert "Ada Lovelace" in text and "SW1Y 4JH London" in text and "United Kingdom" in text


def test_the_done_page_shows_the_order_number_the_charge_and_where_it_goes(client, guest_cart):
    response = client.get(place(client, guest_cart)["Location"])

    html = response.content.decode()
    number = repository.load(guest_cart).order_number
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", number)
    assert f'<strong class="mono" id="order-number">{number}</strong>' in html
    assert f"<title>Order {number} placed" in html
    assert '<strong id="charged-total">€21.00</strong>' in html
    assert "A confirmation e-mail was sent to <strong>ada@example.com</strong>." in html
    address = re.search(r'<address class="ship-to" id="ship-to">(.*?)</address>', html, re.S)
    assert address and address[1] == (
        "Ada Lovelace<br>12 St James&#x27;s Square<br>SW1Y 4JH London<br>United Kingdom"
    )


def test_the_done_page_of_a_forgotten_customer_shows_erased_and_no_marker(client, guest_cart):
    done = place(client, guest_cart)["Location"]
    personal.forget([repository.data_subject(repository.load(guest_cart))])

    html = client.get(done).content.decode()

    assert "Ada" not in html and "ada@example.com" not in html and "SW1Y" not in html
    assert personal.ERASED not in html
    assert html.count('class="pill pill-erased"') == 5  # e-mail, name, street, postal code, city
    assert "United Kingdom" in html  # the country is not personal on its own
    assert 'id="order-number"' in html and "€21.00" in html


def test_a_signed_in_shopper_is_offered_the_details_they_gave_last(alice, alice_client, make_cart):
    context = Context.system(Metadata(actor=f"user:{alice.pk}", source="ui"))
    older = make_cart(alice, {"TEA-001": 1})
    handle(CheckOut(cart_id=older, details=DETAILS), context)
    newer = make_cart(alice, {"TEA-001": 1})
    moved = {**DETAILS_FIELDS, "city": "Oxford", "postal_code": "OX1 3BG"}
    handle(CheckOut(cart_id=newer, details=DETAILS.__class__(**moved)), context)
    make_cart(alice, {"MUG-001": 1})  # a cart without details comes after both
    alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})

    html = alice_client.get("/checkout/").content.decode()

    assert value_of(html, "email") == "ada@example.com"
    assert value_of(html, "full_name") == "Ada Lovelace"
    assert value_of(html, "city") == "Oxford"
    assert value_of(html, "postal_code") == "OX1 3BG"
    assert selected_country(html) == "GB"


def test_erased_details_are_never_offered_again(alice, alice_client, make_cart):
    context = Context.system(Metadata(actor=f"user:{alice.pk}", source="ui"))
    bought = make_cart(alice, {"TEA-001": 1})
    handle(CheckOut(cart_id=bought, details=DETAILS), context)
    personal.forget([f"user:{alice.pk}"])
    alice_client.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})

    html = alice_client.get("/checkout/").content.decode()

    assert personal.ERASED not in html
    assert value_of(html, "email") is None and value_of(html, "city") is None
    assert selected_country(html) == "GB"


def test_a_guest_sees_the_details_given_to_this_cart_and_no_one_elses(client, guest_cart, catalog):
    context = Context.system(Metadata(actor="t", source="ui"))
    handle(ProvideCheckoutDetails(cart_id=guest_cart, details=DETAILS), context)

    assert value_of(client.get("/checkout/").content.decode(), "email") == "ada@example.com"

    other = Client()
    other.post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    html = other.get("/checkout/").content.decode()
    assert value_of(html, "email") is None and "ada@example.com" not in html


def test_an_order_placed_with_details_given_before_keeps_the_double_submit_answer(
    client, guest_cart, event_count
):
    # Details given at version 4 and the order at 5: sending the version-3 form again after
    # both is the same checkout, answered with the order.
    response = place(client, guest_cart)
    written = event_count()

    again = place(client, guest_cart, city="Elsewhere")

    assert again["Location"] == response["Location"]
    assert event_count() == written
    assert repository.load(guest_cart).details == DETAILS


def test_the_history_says_where_the_order_goes_and_its_number_never_the_e_mail(client, guest_cart):
    place(client, guest_cart)
    number = repository.load(guest_cart).order_number

    html = client.get(f"/carts/{guest_cart}/history/").content.decode()

    assert "Checkout details given: delivery to London, United Kingdom" in html
    assert f"Checked out as order {number}, charged 21.00 EUR" in html
    for personal_value in ("ada@example.com", "Ada Lovelace", "James", "SW1Y"):
        assert personal_value not in html
    assert "pill-erased" not in html


def test_the_history_and_time_travel_show_erased_details_as_erased(client, guest_cart):
    place(client, guest_cart)
    personal.forget([repository.data_subject(repository.load(guest_cart))])

    page = client.get(f"/carts/{guest_cart}/history/").content.decode()
    panel = client.get(
        f"/carts/{guest_cart}/history/", {"version": "4"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Checkout details given: delivery to United Kingdom" in page
    assert "London" not in page and personal.ERASED not in page
    assert page.count('class="pill pill-erased"') == 1
    assert "<strong>Checkout details given: delivery to United Kingdom</strong>" in panel
    assert panel.count('class="pill pill-erased"') == 1 and personal.ERASED not in panel
