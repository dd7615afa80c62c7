"""The API's routes under /api/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from carts.api.views import commands, feed, queries

app_name = "api"

urlpatterns = [
    path("carts/", commands.CartCreateView.as_view(), name="cart-create"),
    path("carts/<uuid:cart_id>/", queries.CartDetailView.as_view(), name="cart-detail"),
    path("carts/<uuid:cart_id>/events/", queries.CartEventsView.as_view(), name="cart-events"),
    path("carts/<uuid:cart_id>/items/", commands.CartItemsView.as_view(), name="cart-items"),
    path(
        "carts/<uuid:cart_id>/items/<str:sku>/",
        commands.CartItemView.as_view(),
        name="cart-item",
    ),
    path(
        "carts/<uuid:cart_id>/discount/", commands.CartDiscountView.as_view(), name="cart-discount"
    ),
    path(
        "carts/<uuid:cart_id>/checkout/", commands.CartCheckoutView.as_view(), name="cart-checkout"
    ),
    path("carts/<uuid:cart_id>/abandon/", commands.CartAbandonView.as_view(), name="cart-abandon"),
    path("events/", feed.EventFeedView.as_view(), name="event-feed"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
