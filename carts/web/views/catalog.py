"""The catalog: products with search, one product's page, and adding to the cart."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carts.application import selectors
from carts.domain import errors
from carts.models import Product
from carts.web import shopper
from carts.web.forms import AddItemForm, first_error
from carts.web.views.feedback import back, form_refused, refused_with


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """Products on sale, filtered by the search box, with how many of each are in the cart."""
    shopper.prepare_to_add(request)
    query = request.GET.get("q", "")[:100]
    return render(
        request,
        "carts/catalog.html",
        {"products": selectors.products(query), "query": query, "in_cart": _in_cart(request)},
    )


@require_GET
def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    """One product's page (a retired product still has one, without the add button)."""
    shopper.prepare_to_add(request)
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
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("catalog"))
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    try:
        result = shopper.add_to_cart(request, sku=sku, quantity=quantity)
    except errors.CartError as refused:
        refused_with(request, refused)
    else:
        name = result.cart.lines[sku].name
        messages.success(request, f"Added {quantity} × {name} to your cart.")
    return back(request, reverse("catalog"))


def _in_cart(request: HttpRequest) -> dict[str, int]:
    cart = shopper.current_cart(request)
    return {sku: line.quantity for sku, line in cart.lines.items()} if cart else {}
