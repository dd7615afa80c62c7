from django.contrib.auth import views as auth_views
from django.urls import path

from carts.web.views import accounts, cart, carts, catalog, checkout, switching

urlpatterns = [
    path("", catalog.catalog, name="catalog"),
    path("products/<sku:sku>/", catalog.product_detail, name="product"),
    path("cart/", cart.cart_page, name="cart"),
    path("cart/add/", catalog.add_item, name="cart-add"),
    path("cart/new/", switching.new_cart, name="cart-new"),
    path("carts/<uuid:cart_id>/continue/", switching.continue_cart, name="cart-continue"),
    path(
        "cart/<uuid:cart_id>/lines/<sku:sku>/quantity/",
        cart.change_quantity,
        name="cart-quantity",
    ),
    path("cart/<uuid:cart_id>/lines/<sku:sku>/remove/", cart.remove_item, name="cart-remove"),
    path(
        "cart/<uuid:cart_id>/lines/<sku:sku>/price/",
        cart.update_line_price,
        name="cart-line-price",
    ),
    path("cart/<uuid:cart_id>/discount/", cart.apply_discount, name="cart-discount"),
    path(
        "cart/<uuid:cart_id>/discount/remove/",
        cart.remove_discount,
        name="cart-discount-remove",
    ),
    path("checkout/", checkout.review, name="checkout"),
    path("checkout/<uuid:cart_id>/", checkout.confirm, name="checkout-confirm"),
    path("checkout/<uuid:cart_id>/done/", checkout.confirmation, name="checkout-done"),
    path("carts/", carts.my_carts, name="my-carts"),
    path("carts/<uuid:cart_id>/history/", carts.history, name="cart-history"),
    path("accounts/signup/", accounts.sign_up, name="signup"),
    path("accounts/data/", accounts.my_data, name="my-data"),
    path("accounts/login/", accounts.LogInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
