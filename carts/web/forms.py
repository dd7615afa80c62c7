"""The shop's forms: they check the shape of what was sent, never a cart rule.

Quantities are parsed as whole numbers without bounds on purpose: the limits are the cart's
rules, and the cart gives the message when a quantity is out of range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField

from carts.application.moments import MILLISECOND, Moment, parse_moment


class AddItemForm(forms.Form):
    """Add units of a product to the shopper's cart."""

    sku = forms.CharField(max_length=40)
    quantity = forms.IntegerField(initial=1)


class QuantityForm(forms.Form):
    """A line's new quantity."""

    quantity = forms.IntegerField()


class LinePriceForm(forms.Form):
    """The catalog price a shopper accepts for a line, as the page showed it."""

    unit_price = forms.DecimalField(max_digits=12, decimal_places=2)


class DiscountForm(forms.Form):
    """A discount code as typed."""

    code = forms.CharField(max_length=40, label="Discount code")


class CheckoutForm(forms.Form):
    """Confirmation of the cart as reviewed: the version the shopper saw."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


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


class MomentForm(forms.Form):
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
    """The first problem a form found, with the field it concerns."""
    for field, problems in form.errors.items():
        label = form.fields[field].label or field if field in form.fields else ""
        prefix = f"{str(label).capitalize()}: " if label else ""
        return f"{prefix}{problems[0]}"
    return "the form was not valid"
