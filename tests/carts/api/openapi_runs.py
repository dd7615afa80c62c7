"""What the Schemathesis runs over the API share: the document and the refusals it cannot
describe. Their fixtures (the catalog, an unhindered shop) are in this folder's conftest."""

from __future__ import annotations

from typing import Any

from drf_spectacular.generators import SchemaGenerator

from carts.api.filters import INVERTED_RANGE

# Refusals of values the document cannot describe, each said in its field's or operation's
# description: whether checkout details can be delivered to (an e-mail address's syntax, a
# country the shop ships to, no control characters; carts.application.checkout_details),
# whether a currency code is well formed (the cart tells it from one the shop does not sell,
# 422), whether a webhook target is an http(s) URL, and whether a checkpoint is one the feed
# handed out; and a range whose bounds are each valid but whose lower one lies beyond the upper
# one (no row could match; carts.api.filters). Any other 400 for a schema-valid request fails.
BEYOND_THE_SCHEMA = {
    "invalid_checkout_details",
    "invalid_currency",
    "invalid_target_url",
    "invalid_checkpoint",
}


def openapi_document() -> dict[str, Any]:
    """The document /api/schema/ serves."""
    return SchemaGenerator().get_schema(request=None, public=True)


def beyond_the_schema(response: Any) -> bool:
    """Whether ``response`` (any client's) is a 400 for one of the refusals above."""
    if response.status_code != 400:
        return False
    problem = response.json()
    if problem.get("code") in BEYOND_THE_SCHEMA:
        return True
    messages = [message for found in (problem.get("errors") or {}).values() for message in found]
    return (
        problem.get("code") == "invalid_query_parameter"
        and bool(messages)
        and all(message.startswith(INVERTED_RANGE) for message in messages)
    )
