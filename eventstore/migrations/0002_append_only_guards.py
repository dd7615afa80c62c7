"""Database guards: events are append-only; PostgreSQL records each writer's transaction."""

from typing import Any

from django.db import migrations

from eventstore import immutability


def install(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The gap-free global reader orders by the writing transaction's id (see store.read_all).
        schema_editor.execute(
            "ALTER TABLE eventstore_event ALTER COLUMN tx_id "
            "SET DEFAULT (pg_current_xact_id()::text::bigint)"
        )
    immutability.install(connection, (immutability.TABLE,))


def uninstall(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    immutability.uninstall(connection, (immutability.TABLE,))
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS eventstore_refuse_change()")
        schema_editor.execute("ALTER TABLE eventstore_event ALTER COLUMN tx_id SET DEFAULT 0")


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
