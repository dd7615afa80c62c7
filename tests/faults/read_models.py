"""The read models as their selectors give them, for comparing one with a rebuild or another
database's, and waiting, bounded, until the projections caught up with the log.

Only public entry points: ``projections.selectors`` and ``manage.py projections``. Rows are
compared without their ids and generation numbers (a rebuild writes a new generation).

Run as ``python -m tests.faults.read_models`` (with DATABASE_URL) it prints the rows as JSON:
how the backup test reads the restored database, from a process of its own.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet

Rows = dict[str, list[dict[str, Any]]]
_NOT_COMPARED = frozenset({"id", "generation"})


def read_model_rows() -> Rows:
    """Every read model's rows, each without id and generation, in a stable order."""
    from projections import selectors

    models: dict[str, QuerySet[Any]] = {
        "cart_summaries": selectors.cart_summaries(),
        "product_activity": selectors.product_activity(),
        "daily_funnel": selectors.daily_funnel(),
    }
    return {name: _rows(rows) for name, rows in models.items()}


def as_json(rows: Rows) -> Rows:
    """The rows as JSON gives them back (decimals, times and ids as text), for comparing rows
    read here with rows another process printed."""
    decoded: Rows = json.loads(json.dumps(rows, cls=DjangoJSONEncoder))
    return decoded


def wait_until_caught_up(position: int, *, seconds: float = 60) -> bool:
    """Whether every projection included ``position`` within ``seconds`` (polled)."""
    from projections.selectors import wait_for_position

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if wait_for_position(position, timeout=1.0):
            return True
    return False


def _rows(rows: QuerySet[Any]) -> list[dict[str, Any]]:
    cleaned = [{k: v for k, v in row.items() if k not in _NOT_COMPARED} for row in rows.values()]
    return sorted(cleaned, key=repr)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(read_model_rows(), cls=DjangoJSONEncoder))
