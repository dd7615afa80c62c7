from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ObservabilityConfig(AppConfig):
    """Metrics, structured logs and optional traces (see observability/__init__.py)."""

    name = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from observability import exposition, task_context, tracing

        try:
            exposition.allowed_networks()
        except ValueError as error:
            raise ImproperlyConfigured(
                f"METRICS_ALLOWED_NETWORKS {settings.METRICS_ALLOWED_NETWORKS}: {error}"
            ) from None
        task_context.connect()
        tracing.configure_from_environment()
