from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EventstoreConfig(AppConfig):
    """The append-only event store."""

    name = "eventstore"
    verbose_name = "Event store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(_register_functions, dispatch_uid="eventstore-sql-functions")


def _register_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    # What a database needs on every new connection is the backend's affair (SQLite: the hash
    # of the log's partitions, which it cannot compute in SQL by itself).
    from eventstore.backends import prepare_connection

    prepare_connection(connection)
