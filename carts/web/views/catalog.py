"""The catalog: products with search, one product's page, and adding to the cart."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from carts.application import selectors
from carts.domain import errors
from carts.models import Product
from carts.web import shopper
from carts.web.forms import AddItemForm, first_error
from carts.web.views import switching
from carts.web.views.feedback import back, form_refused, refused_with


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """Products on sale, filtered by the search box, with how many of each are in the cart."""
    query = request.GET.get("q", "")[:100]
    return render(
        request,
        "carts/catalog.html",
        {"products": selectors.products(query), "query": query, "in_cart": _in_cart(request)},
    )


@require_GET
def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    """One product's page (a retired product still has one, without the add button)."""
    try:
        product = selectors.product(sku)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    return render(
        request, "carts/product_detail.html", {"product": product, "in_cart": _in_cart(request)}
    )


@require_POST
def add_item(request: HttpRequest) -> HttpResponse:
    """Add units of a product to the shopper's cart (opening one if needed), then go back."""
    form = AddItemForm(request.POST)
    # A refusal is shown at the product's card as well as at the top of the page, so that it is
    # seen where the button was pressed, however far down the page.
    card = card_of(request.POST.get("sku", ""))
    if not form.is_valid():
        form_refused(request, first_error(form), where=card)
        return _back_to(request, card)
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    try:
        result = shopper.add_to_cart(request, sku=sku, quantity=quantity)
    except errors.CurrencyMismatch:
        # Not a dead end: the shop offers a cart of the product's own currency.
        return _to(request, switching.offer_url(sku, quantity))
    except errors.CartError as refused:
        refused_with(request, refused, where=card)
    else:
        line = result.cart.lines[sku]
        added = f"Added {quantity} × {line.name} to your cart"
        if line.earlier:
            # The price moved since the first units were added: say where the difference is.
            added += (
                f" at the new price {line.unit_price}; the ones already there keep theirs"
                " (your cart offers to update them)"
            )
        messages.success(request, f"{added}.")
    return _back_to(request, card)


def _back_to(request: HttpRequest, card: str) -> HttpResponse:
    # Without script the browser loads the page again: at the card, not at the top. The card's
    # id holds the SKU as sent, which may be anything: percent-encoded, as a fragment is.
    response = back(request, reverse("catalog"))
    response["Location"] = f"{response['Location'].partition('#')[0]}#{quote(card, safe='')}"
    return response


def card_of(sku: str) -> str:
    """The id of the add form on a product's card (``templates/carts/_add_form.html``)."""
    return f"add-{sku[:40]}"


def _to(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)  # a whole page, not a swapped form
    return HttpResponseRedirect(url, status=303)


def _in_cart(request: HttpRequest) -> dict[str, int]:
    cart = shopper.current_cart(request)
    return {sku: line.quantity for sku, line in cart.lines.items()} if cart else {}
