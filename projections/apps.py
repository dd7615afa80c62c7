from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    """Read models built from the event log by projectors, kept up to date by Celery."""

    name = "projections"
    verbose_name = "Projections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from eventstore.signals import events_committed
        from projections.shards import check_shard_setting
        from projections.tasks import enqueue_catch_up
        from projections.webhooks.tasks import enqueue_delivery

        events_committed.connect(enqueue_catch_up, dispatch_uid="projections.enqueue_catch_up")
        events_committed.connect(enqueue_delivery, dispatch_uid="projections.enqueue_delivery")
        check_shard_setting()
