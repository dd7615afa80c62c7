"""The example feed consumer (examples/feed_consumer.py): every event once, across restarts."""

from __future__ import annotations

from typing import Any

from examples.feed_consumer import START, follow, load_checkpoint
from tests.carts.api.conftest import token_client


def _client_fetch(client: Any):  # type: ignore[no-untyped-def]
    def fetch(after: str, wait: int) -> dict[str, Any]:
        response = client.get("/api/events/", {"after": after, "wait": str(wait), "limit": "2"})
        assert response.status_code == 200, response.content
        return response.json()  # type: ignore[no-any-return]

    return fetch


def test_the_consumer_handles_every_event_once_and_resumes_after_its_checkpoint(
    staff, new_cart, tmp_path
):
    fetch, stored = _client_fetch(token_client(staff)), tmp_path / "feed.checkpoint"
    new_cart(("TEA-001", 1), ("MUG-001", 2))
    seen: list[str] = []
    assert follow(fetch, stored, on_event=lambda e: seen.append(e["event_id"]), once=True) == 3
    assert load_checkpoint(stored) != START
    new_cart(("TEA-001", 1))
    follow(fetch, stored, on_event=lambda e: seen.append(e["event_id"]), once=True)
    assert len(seen) == len(set(seen)) == 5
