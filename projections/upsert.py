"""Writing a batch's read-model rows: inserted, or updated where their key already has a row.

One ``INSERT ... ON CONFLICT (generation, key) DO UPDATE`` covers the new rows and the changed
ones alike, instead of bulk_create plus bulk_update (which builds a CASE WHEN per column and
row). It needs a unique constraint on exactly (generation, key), which every read-model table
has. Rows are written as Django would save them; no signals are sent, as with bulk writes. How
the rows travel to the database is the backend's (eventstore.backends): one JSON parameter on
PostgreSQL, executemany on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router

from eventstore.backends import backend_for


def upsert(model: type[models.Model], key: str, rows: Sequence[models.Model]) -> None:
    """Insert ``rows`` into ``model``'s table, updating those whose (generation, key) exists.

    Raises ImproperlyConfigured for a database without an event store backend.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    unique = [f.column for f in fields if f.name in ("generation", key)]
    updated = [quote(f.column) for f in fields if f.column not in unique]
    on_conflict = (
        f" ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
    )
    backend_for(connection).upsert(
        connection,
        table=quote(model._meta.db_table),
        fields=fields,
        rows=rows,
        on_conflict=on_conflict,
    )
