"""The shop's forms: they check the shape of what was sent, never a cart rule.

Quantities are parsed as whole numbers without bounds on purpose: the limits are the cart's
rules, and the cart gives the message when a quantity is out of range.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField


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


class MomentForm(forms.Form):
    """A moment to see a cart at (UTC)."""

    at = forms.DateTimeField(
        label="Moment (UTC)",
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
    )


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
