"""Checkout on one page: review the cart, say who it is for and where it goes, place the order,
and see what was charged."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from carts.application.access import Action
from carts.application.catalog import line_offers
from carts.application.checkout_details import checked_details, last_given, offered_values
from carts.application.commands import CheckOut
from carts.application.confirmation import placed_order
from carts.domain.cart import Cart
from carts.domain.errors import InvalidCheckoutDetails
from carts.domain.values import CheckoutDetails
from carts.web import shopper
from carts.web.forms import CheckoutDetailsForm, CheckoutForm, first_error
from carts.web.request_context import person_of
from carts.web.views.feedback import back, cart_or_404, form_refused, require_access, run_command


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """The current cart as it will be charged, the checkout details (those given last filled
    in), and the button that places the order."""
    cart = shopper.current_cart(request)
    if cart is None:
        return redirect("cart")
    details = CheckoutDetailsForm(initial=offered_values(_last_details(request, cart)))
    return _review_page(request, cart, CheckoutForm(initial={"version": cart.version}), details)


@require_http_methods(["POST"])
def confirm(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Check out the cart at the version the shopper reviewed, with the details they gave.

    Details that checked_details refuses come back on the page, each problem next to its field,
    with 400 and nothing written; a refusal of the cart's (it changed, it is empty) is a
    message on the page it came from.
    """
    require_access(request, cart_id, Action.SHOP)
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("checkout"))
    details_form = CheckoutDetailsForm(request.POST)
    details = _checked(details_form)
    if details is None:
        cart = cart_or_404(request, cart_id, Action.SHOP)
        return _review_page(request, cart, form, details_form, status=400)
    command = CheckOut(
        cart_id=cart_id, details=details, expected_version=form.cleaned_data["version"]
    )
    if run_command(request, command) is None:
        return back(request, reverse("cart"))
    return redirect("checkout-done", cart_id=cart_id)


@require_GET
def confirmation(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """The order: its number, what was charged exactly as the CartCheckedOut event recorded it,
    and where it goes."""
    cart = cart_or_404(request, cart_id, Action.READ)
    order = placed_order(cart)
    if order is None:
        raise Http404("This cart has not been checked out.")
    return render(
        request,
        "carts/checkout_done.html",
        {"cart": cart, "order": order, "charged": order.charged, "details": order.details},
    )


def _review_page(
    request: HttpRequest,
    cart: Cart,
    form: CheckoutForm,
    details_form: CheckoutDetailsForm,
    *,
    status: int = 200,
) -> HttpResponse:
    offers = line_offers(cart)
    unavailable = [cart.lines[sku] for sku, offer in offers.items() if not offer.available]
    context = {
        "cart": cart,
        "form": form,
        "details_form": details_form,
        "line_offers": offers,
        "unavailable": unavailable,
    }
    return render(request, "carts/checkout_review.html", context, status=status)


def _checked(details_form: CheckoutDetailsForm) -> CheckoutDetails | None:
    """The details as checked_details reads them; None when refused (the form says why)."""
    if not details_form.is_valid():
        return None
    try:
        return checked_details(details_form.cleaned_data)
    except InvalidCheckoutDetails as refused:
        details_form.refuse(refused)
        return None


def _last_details(request: HttpRequest, cart: Cart) -> CheckoutDetails | None:
    """What to offer: the details this cart was given, else, for a signed-in shopper, those
    their newest cart with any was given."""
    if cart.details is not None:
        return cart.details
    user_id = person_of(request).user_id
    return last_given(user_id) if user_id else None
