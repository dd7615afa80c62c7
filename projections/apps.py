from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    """Read models built from the event log by projectors, kept up to date by Celery."""

    name = "projections"
    verbose_name = "Projections"
    default_auto_field = "django.db.models.BigAutoField"
