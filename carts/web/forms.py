"""The shop's forms: they check the shape of what was sent, never a cart rule.

Quantities are parsed as whole numbers without bounds on purpose: the limits are the cart's
rules, and the cart gives the message when a quantity is out of range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField

from carts.application.checkout_details import MAX_LENGTHS, REQUIRED, shipping_countries
from carts.application.moments import MILLISECOND, Moment, parse_moment
from carts.domain.errors import InvalidCheckoutDetails
from carts.domain.rules import MAX_QUANTITY, MIN_QUANTITY
from carts.web.wording import detail_problem


class ShopForm(forms.Form):
    """A form of the shop: what it tells a shopper when a field was malformed.

    ``problems`` holds one sentence per field, in a shopper's words: most fields are hidden
    (the page fills them in), so Django's messages ("Ensure this value ...") with the field's
    name ("Version: ...") would speak of things the shopper never saw. Every field has one
    (tests/carts/web/test_shop_form_wording.py).
    """

    problems: ClassVar[dict[str, str]] = {}


RELOAD = "reload the page and try again"
WHOLE_UNITS = f"a whole number of units, such as 2 (from {MIN_QUANTITY} to {MAX_QUANTITY})"


class AddItemForm(ShopForm):
    """Add units of a product to the shopper's cart."""

    sku = forms.CharField(max_length=40)
    quantity = forms.IntegerField(initial=1)
    problems = {
        "sku": f"We could not tell which product to add; {RELOAD}.",
        "quantity": f"Choose how many to add: {WHOLE_UNITS}.",
    }


class QuantityForm(ShopForm):
    """A line's new quantity."""

    quantity = forms.IntegerField()
    problems = {"quantity": f"Enter the quantity as {WHOLE_UNITS}."}


class LinePriceForm(ShopForm):
    """The catalog price a shopper accepts for a line, as the page showed it."""

    unit_price = forms.DecimalField(max_digits=12, decimal_places=2)
    problems = {"unit_price": f"We could not tell which price you accepted; {RELOAD}."}


class DiscountForm(ShopForm):
    """A discount code as typed."""

    code = forms.CharField(max_length=40, label="Discount code")
    problems = {
        "code": "Enter a discount code of at most 40 letters and digits, such as WELCOME10."
    }


class CheckoutForm(ShopForm):
    """Confirmation of the cart as reviewed: the version the shopper saw."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    problems = {
        "version": "We could not tell which state of your cart you reviewed; review your cart"
        " again and place the order from there."
    }


def _details_field(name: str, label: str, autocomplete: str, **kwargs: Any) -> forms.CharField:
    """A checkout detail as typed: text of at most its longest accepted length. Whether it is
    required, and what it must look like, is checked_details's to say."""
    attrs = {"autocomplete": autocomplete, "maxlength": MAX_LENGTHS[name]}
    if name in REQUIRED:
        attrs["required"] = True  # a hint for the browser; the rule is checked_details's
    widget = kwargs.pop("widget", forms.TextInput)
    return forms.CharField(
        label=label,
        max_length=MAX_LENGTHS[name],
        required=False,
        widget=widget(attrs=attrs),
        **kwargs,
    )


def _longer_than(what: str, name: str) -> str:
    return f"Enter {what} of at most {MAX_LENGTHS[name]} characters, without control characters."


class CheckoutDetailsForm(ShopForm):
    """Who the order is for and where it goes, as typed: strings of bounded length only; the
    rules (required fields, e-mail syntax, known countries) are checked_details's, so that the
    shop and the API refuse alike. Field names are those of CheckoutDetails."""

    email = _details_field("email", "Contact e-mail", "email", widget=forms.EmailInput)
    full_name = _details_field("full_name", "Full name", "name")
    address_line1 = _details_field("address_line1", "Address line 1", "address-line1")
    address_line2 = _details_field(
        "address_line2", "Address line 2", "address-line2", help_text="Optional."
    )
    city = _details_field("city", "City", "address-level2")
    postal_code = _details_field("postal_code", "Postal code", "postal-code")
    country = _details_field("country", "Country", "country", widget=forms.Select)
    problems = {
        "email": _longer_than("an e-mail address", "email"),
        "full_name": _longer_than("a name", "full_name"),
        "address_line1": _longer_than("an address line", "address_line1"),
        "address_line2": _longer_than("an address line", "address_line2"),
        "city": _longer_than("a city", "city"),
        "postal_code": _longer_than("a postal code", "postal_code"),
        "country": "Choose the country from the list.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per form, so that the countries follow SHOP_SHIPS_TO and the active language.
        country = self.fields["country"].widget
        assert isinstance(country, forms.Select)
        country.choices = [("", "Choose a country"), *shipping_countries()]

    def clean(self) -> dict[str, Any]:
        # Django's own messages speak of "this value"; each field says its sentence instead.
        errors = self.errors  # (filled by now: clean runs after each field's own checks)
        for name in list(errors):
            if name in self.problems:
                errors[name] = self.error_class([self.problems[name]])
        return super().clean() or {}

    def refuse(self, error: InvalidCheckoutDetails) -> None:
        """Show why checked_details refused the details, next to the field it names."""
        field = error.field if error.field in self.fields else None
        label = str(self.fields[error.field].label) if field else ""
        self.add_error(field, detail_problem(error, label))


class MomentInput(forms.DateTimeInput):
    """The moment picker: a date and time to the millisecond, in UTC, as the history shows them."""

    input_type = "datetime-local"
    supports_microseconds = True  # else the form drops them before format_value sees them

    def __init__(self) -> None:
        super().__init__(attrs={"step": "0.001"})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime):
            utc = value.astimezone(UTC).replace(tzinfo=None)
            return utc.isoformat(timespec="milliseconds")
        return super().format_value(value)


class MomentField(forms.Field):
    """A moment (carts.application.moments), read at the precision it was written at."""

    widget = MomentInput
    default_error_messages = {
        "invalid": "Enter a valid date/time, such as 2026-03-01T10:15:42.130 (UTC)."
    }

    def to_python(self, value: Any) -> Moment | None:
        if value in self.empty_values:
            return None
        try:
            return parse_moment(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class MomentForm(ShopForm):
    """A moment to see a cart at (UTC).

    The picker sends its value in HTML's shortest form, which drops zero seconds and
    milliseconds ("10:15:42.000" arrives as "10:15:42"), so it also sends its own precision
    (``precision=ms``): a picked moment is read to the millisecond however it was written.
    Without it (a typed or linked URL), a moment is read at the precision it was written at.
    """

    at = MomentField(label="Moment (UTC)")
    precision = forms.ChoiceField(
        choices=[("ms", "to the millisecond")],
        required=False,
        initial="ms",
        widget=forms.HiddenInput,
    )

    problems = {
        "at": str(MomentField.default_error_messages["invalid"]),
        "precision": f"We could not read the moment picker's setting; {RELOAD}.",
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("at") is not None and cleaned.get("precision") == "ms":
            cleaned["at"] = cleaned["at"].at_most(MILLISECOND)
        return cleaned


class SignUpForm(UserCreationForm):  # type: ignore[type-arg]
    """A new shopper account: username, optional email, password twice."""

    class Meta:
        model = get_user_model()
        fields = ("username", "email")
        field_classes = {"username": UsernameField}


def first_error(form: forms.Form) -> str:
    """The first problem a form found: for a shop form, its sentence for the field; else
    Django's message, with the field it concerns."""
    for field, problems in form.errors.items():
        if isinstance(form, ShopForm):
            return form.problems.get(field, f"Something in the form was not right; {RELOAD}.")
        label = form.fields[field].label or field if field in form.fields else ""
        prefix = f"{str(label).capitalize()}: " if label else ""
        return f"{prefix}{problems[0]}"
    return "the form was not valid"
