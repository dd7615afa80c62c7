"""Checkout: review the cart, confirm it, and see what was charged."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from carts.application import selectors
from carts.application.access import Action
from carts.application.catalog import line_offers
from carts.application.commands import CheckOut
from carts.web import shopper
from carts.web.forms import CheckoutForm, first_error
from carts.web.views.feedback import back, cart_or_404, form_refused, require_access, run_command


@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """The current cart as it will be charged, with the button that confirms it."""
    cart = shopper.current_cart(request)
    if cart is None:
        return redirect("cart")
    form = CheckoutForm(initial={"version": cart.version})
    offers = line_offers(cart)
    unavailable = [cart.lines[sku] for sku, offer in offers.items() if not offer.available]
    return render(
        request,
        "carts/checkout_review.html",
        {"cart": cart, "form": form, "line_offers": offers, "unavailable": unavailable},
    )


@require_http_methods(["POST"])
def confirm(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Check out the cart at the version the shopper reviewed."""
    require_access(request, cart_id, Action.SHOP)
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("checkout"))
    version = form.cleaned_data["version"]
    result = run_command(
        request,
        CheckOut(cart_id=cart_id, expected_version=version),
    )
    if result is None:
        return back(request, reverse("cart"))
    return redirect("checkout-done", cart_id=cart_id)


@require_GET
def confirmation(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """What was charged, exactly as the CartCheckedOut event recorded it."""
    cart = cart_or_404(request, cart_id, Action.READ)
    charged = selectors.checkout_of(cart)
    if charged is None:
        raise Http404("This cart has not been checked out.")
    return render(request, "carts/checkout_done.html", {"cart": cart, "charged": charged})
