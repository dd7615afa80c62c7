"""B6: the API's add-item under concurrent clients, against gunicorn on PostgreSQL."""

from __future__ import annotations

from bench.harness import Figure, Sizes


def run(sizes: Sizes) -> list[Figure]:
    """Requests/s, p50 and p99 of add-item over HTTP."""
    return [
        Figure(
            "B6",
            "add-item over HTTP",
            float("nan"),
            "req/s",
            ">= 250 req/s, p99 <= 100 ms",
            None,
            note="the API's add-item endpoint is not merged yet",
        )
    ]
