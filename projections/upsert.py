"""Writing a batch's read-model rows: inserted, or updated where their key already has a row.

One ``INSERT ... ON CONFLICT (generation, key) DO UPDATE`` covers the new rows and the changed
ones alike, instead of bulk_create plus bulk_update (which builds a CASE WHEN per column and
row). It needs a unique constraint on exactly (generation, *key), which every read-model table
has. Rows are written as Django would save them; no signals are sent, as with bulk writes. How
the rows travel to the database is the backend's (eventstore.backends): one JSON parameter on
PostgreSQL, executemany on SQLite.

Rows shared by the streams of several shards (a day of the funnel, a SKU's activity) are
written as changes, not values: ``added`` columns are summed onto the stored row and ``latest``
columns are taken only from a newer event than the stored one's. Both commute, so shards that
write the same row in any order, concurrently, leave it exactly as one runner would have.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router

from eventstore.backends import backend_for


def upsert(
    model: type[models.Model],
    key: str | Sequence[str],
    rows: Sequence[models.Model],
    *,
    added: Sequence[str] = (),
    latest: Sequence[str] = (),
    latest_by: str = "",
) -> None:
    """Insert ``rows`` into ``model``'s table, updating those whose (generation, key) exists.

    ``added``: columns whose value is a change, summed onto the stored row. ``latest``: columns
    kept from whichever row has the greater ``latest_by`` (a global event position). Every
    other column is overwritten. Raises ImproperlyConfigured for a database without an event
    store backend.
    """
    if not rows:
        return
    keys = (key,) if isinstance(key, str) else tuple(key)
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    unique = [f.column for f in fields if f.name in ("generation", *keys)]
    newer = f"EXCLUDED.{quote(latest_by)} > {table}.{quote(latest_by)}" if latest_by else ""

    def update(field: models.Field) -> str:  # type: ignore[type-arg]
        column = quote(field.column)
        if field.name in added:
            return f"{column} = {table}.{column} + EXCLUDED.{column}"
        if field.name in latest or (latest_by and field.name == latest_by):
            return f"{column} = CASE WHEN {newer} THEN EXCLUDED.{column} ELSE {table}.{column} END"
        return f"{column} = EXCLUDED.{column}"

    on_conflict = (
        f" ON CONFLICT ({', '.join(quote(c) for c in unique)}) DO UPDATE SET "
        + ", ".join(update(f) for f in fields if f.column not in unique)
    )
    backend_for(connection).upsert(
        connection, table=table, fields=fields, rows=rows, on_conflict=on_conflict
    )
