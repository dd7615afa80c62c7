"""The API's routes under /api/."""

from django.urls import path, re_path

from carts.api.errors import unknown_api_path
from carts.api.views import (
    checkout,
    commands,
    customers,
    docs,
    event_types,
    feed,
    lists,
    queries,
    read_models,
    webhooks,
)

app_name = "api"

urlpatterns = [
    path("carts/", lists.CartCollectionView.as_view(), name="cart-create"),
    path("carts/<uuid:cart_id>/", queries.CartDetailView.as_view(), name="cart-detail"),
    path("carts/<uuid:cart_id>/events/", queries.CartEventsView.as_view(), name="cart-events"),
    path("carts/<uuid:cart_id>/items/", commands.CartItemsView.as_view(), name="cart-items"),
    # The price route comes first: a stored SKU may hold "/", so the item route would take
    # ".../items/<sku>/price/" as a SKU ending in "/price".
    path(
        "carts/<uuid:cart_id>/items/<sku:sku>/price/",
        commands.CartLinePriceView.as_view(),
        name="cart-item-price",
    ),
    path(
        "carts/<uuid:cart_id>/items/<sku:sku>/",
        commands.CartItemView.as_view(),
        name="cart-item",
    ),
    path(
        "carts/<uuid:cart_id>/discount/", commands.CartDiscountView.as_view(), name="cart-discount"
    ),
    path(
        "carts/<uuid:cart_id>/checkout-details/",
        checkout.CartCheckoutDetailsView.as_view(),
        name="cart-checkout-details",
    ),
    path(
        "carts/<uuid:cart_id>/checkout/", checkout.CartCheckoutView.as_view(), name="cart-checkout"
    ),
    path("carts/<uuid:cart_id>/abandon/", commands.CartAbandonView.as_view(), name="cart-abandon"),
    path("me/data/", customers.MyDataView.as_view(), name="my-data"),
    path(
        "customers/<str:customer_id>/forget/",
        customers.ForgetCustomerView.as_view(),
        name="customer-forget",
    ),
    path("products/", lists.ProductList.as_view(), name="product-list"),
    path("events/", feed.EventFeedView.as_view(), name="event-feed"),
    path("event-types/", event_types.EventTypeList.as_view(), name="event-types"),
    path(
        "event-types/<str:event_type>/",
        event_types.EventTypeDetail.as_view(),
        name="event-type",
    ),
    path(
        "read-models/cart-summaries/",
        read_models.CartSummaryList.as_view(),
        name="read-cart-summaries",
    ),
    path(
        "read-models/product-activity/",
        read_models.ProductActivityList.as_view(),
        name="read-product-activity",
    ),
    path(
        "read-models/daily-funnel/",
        read_models.DailyFunnelList.as_view(),
        name="read-daily-funnel",
    ),
    path(
        "read-models/projections/",
        read_models.ProjectionStatusList.as_view(),
        name="read-projections",
    ),
    path("webhooks/", webhooks.WebhookCollectionView.as_view(), name="webhooks"),
    path(
        "webhooks/<uuid:subscription_id>/",
        webhooks.WebhookDetailView.as_view(),
        name="webhook",
    ),
    path(
        "webhooks/<uuid:subscription_id>/rotate-secret/",
        webhooks.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<uuid:subscription_id>/replay/",
        webhooks.WebhookReplayView.as_view(),
        name="webhook-replay",
    ),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Last: whatever matched nothing above (including a malformed cart id, even one holding a
    # line break, which "." does not match) is a JSON 404.
    re_path(r"^(?P<path>[\s\S]*)$", unknown_api_path),
]
