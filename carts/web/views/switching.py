"""Choosing which cart to fill: a new cart for a product in another currency, or an open one.

A cart holds one currency. When a shopper adds a product priced in another currency than the
cart they are filling, the shop does not leave them at a refusal: it offers to start a new cart
with that product, and the cart they were filling stays open under "My carts", from where they
can go back to it.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from carts.application import selectors
from carts.application.access import Action
from carts.domain import errors, rules
from carts.models import Product
from carts.web import shopper
from carts.web.forms import AddItemForm, first_error
from carts.web.views.feedback import back, cart_or_404, form_refused, refused_with


def offer_url(sku: str, quantity: int) -> str:
    """Where the shop offers a new cart for ``quantity`` of ``sku``."""
    return f"{reverse('cart-new')}?{urlencode({'sku': sku, 'quantity': quantity})}"


@require_http_methods(["GET", "POST"])
def new_cart(request: HttpRequest) -> HttpResponse:
    """GET: offer a new cart for a product in another currency; POST: open it with the item."""
    form = AddItemForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("catalog"))
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    if request.method == "GET":
        try:
            # The cart's own bound, asked before offering: a page must not offer what adding
            # would refuse (the POST is refused by the cart itself).
            rules.require_quantity(quantity)
        except errors.QuantityOutOfRange as refused:
            refused_with(request, refused)
            return back(request, reverse("catalog"))
        return _offer(request, sku, quantity)
    try:
        result = shopper.add_to_new_cart(
            request, sku=sku, quantity=quantity, number=_offer_number(request)
        )
    except errors.CartError as refused:
        refused_with(request, refused)
        return back(request, reverse("catalog"))
    line = result.cart.lines[sku]
    messages.success(
        request,
        f"Started a new cart in {result.cart.currency} with {quantity} × {line.name}. "
        "Your other cart is kept under My carts.",
    )
    return HttpResponseRedirect(reverse("cart"), status=303)


def _offer_number(request: HttpRequest) -> int | None:
    # The number the offer was shown for; anything else (a stale or edited form) is no copy.
    value = request.POST.get("number", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 9 else None


def _offer(request: HttpRequest, sku: str, quantity: int) -> HttpResponse:
    try:
        product = selectors.product(sku)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    return render(
        request,
        "carts/new_cart.html",
        {
            "product": product,
            "quantity": quantity,
            "current": shopper.current_cart(request),
            "number": shopper.next_offer_number(request),
        },
    )


@require_POST
def continue_cart(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Make one of the shopper's open carts the one they are filling."""
    cart = cart_or_404(request, cart_id, Action.SHOP)
    if shopper.switch_to(request, cart):
        messages.success(request, "You are now filling this cart.")
        return HttpResponseRedirect(reverse("cart"), status=303)
    messages.error(
        request,
        "This cart cannot be continued: only your own open carts in a currency the shop sells "
        "can. Start a new one from the catalog.",
    )
    return back(request, reverse("my-carts"))
