from django.apps import AppConfig


class CartsConfig(AppConfig):
    """The catalog, the cart commands, and the shop, API and admin on top of them."""

    name = "carts"
    verbose_name = "Carts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import register_converter

        from carts import checks, skus  # noqa: F401 (checks registers itself on import)
        from carts.application import event_types
        from carts.application.confirmation import order_placed
        from carts.tasks import enqueue_order_confirmation
        from carts.web import shopper

        event_types.register_all()
        order_placed.connect(
            enqueue_order_confirmation, dispatch_uid="carts.enqueue_order_confirmation"
        )
        shopper.connect()
        register_converter(skus.StoredSkuConverter, "sku")
