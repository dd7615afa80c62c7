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
    # SQLite has no md5(); the log's partitions need the same hash in SQL on both databases.
    if connection.vendor == "sqlite":
        from eventstore.partitions import register_sqlite_function

        register_sqlite_function(connection.connection)
