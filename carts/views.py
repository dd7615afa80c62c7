"""Shop pages: thin views that call selectors and cart services, then render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carts.models import Product


def catalog(request: HttpRequest) -> HttpResponse:
    products = Product.objects.filter(active=True)
    return render(request, "carts/catalog.html", {"products": products})
