"""The shopper's current cart: lines, quantities, removal and the discount code."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carts.application.access import Action
from carts.application.catalog import line_offers
from carts.application.commands import (
    ApplyDiscount,
    ChangeQuantity,
    RemoveDiscount,
    RemoveItem,
    UpdateLinePrice,
)
from carts.web import shopper
from carts.web.forms import DiscountForm, LinePriceForm, QuantityForm, first_error
from carts.web.views.feedback import back, form_refused, require_access, run_command


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    """The open cart with its lines and totals, or an empty-cart page."""
    cart = shopper.current_cart(request)
    stranded = shopper.stranded_cart(request) if cart is None or not cart.lines else None
    return render(
        request,
        "carts/cart.html",
        {
            "cart": cart,
            "stranded": stranded,
            "discount_form": DiscountForm(),
            "line_offers": line_offers(cart),
        },
    )


@require_POST
def change_quantity(request: HttpRequest, cart_id: UUID, sku: str) -> HttpResponse:
    """Set a line's quantity."""
    require_access(request, cart_id, Action.SHOP)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("cart"))
    quantity = form.cleaned_data["quantity"]
    run_command(
        request,
        ChangeQuantity(cart_id=cart_id, sku=sku, quantity=quantity),
        done=f"Quantity of {sku} set to {quantity}.",
    )
    return back(request, reverse("cart"))


@require_POST
def update_line_price(request: HttpRequest, cart_id: UUID, sku: str) -> HttpResponse:
    """Accept the catalog's current price for every unit of a line."""
    require_access(request, cart_id, Action.SHOP)
    form = LinePriceForm(request.POST)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("cart"))
    unit_price = form.cleaned_data["unit_price"]
    run_command(
        request,
        UpdateLinePrice(cart_id=cart_id, sku=sku, unit_price=unit_price),
        done=f"Every {sku} in your cart is now at {unit_price}.",
    )
    return back(request, reverse("cart"))


@require_POST
def remove_item(request: HttpRequest, cart_id: UUID, sku: str) -> HttpResponse:
    """Take a line out of the cart."""
    require_access(request, cart_id, Action.SHOP)
    run_command(
        request,
        RemoveItem(cart_id=cart_id, sku=sku),
        done=f"Removed {sku} from your cart.",
    )
    return back(request, reverse("cart"))


@require_POST
def apply_discount(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Apply the discount code the shopper typed."""
    require_access(request, cart_id, Action.SHOP)
    form = DiscountForm(request.POST)
    if not form.is_valid():
        form_refused(request, first_error(form))
        return back(request, reverse("cart"))
    code = form.cleaned_data["code"]
    run_command(
        request,
        ApplyDiscount(cart_id=cart_id, code=code),
        done=f"Discount code {code.strip().upper()} applied.",
    )
    return back(request, reverse("cart"))


@require_POST
def remove_discount(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """Take the discount off."""
    require_access(request, cart_id, Action.SHOP)
    run_command(
        request,
        RemoveDiscount(cart_id=cart_id),
        done="Discount removed.",
    )
    return back(request, reverse("cart"))
