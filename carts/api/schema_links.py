"""OpenAPI links: how one answer's values lead to the next operation (OpenAPI 3.0, 4.7.10).

A cart's id, its version and its lines come back in every answer that holds the cart: the cart
POST /api/carts/ opened (201), every command's 200, and a read. The links say which value goes
where: the ``id`` is the path's ``cart_id``, the ``ETag`` header is the next command's
``If-Match`` (so a command acts on the version its client saw, and a stale one answers 412), and a
line's ``sku`` names the line in the line operations. A webhook subscription's ``id`` leads to
its own operations likewise.

Clients read them as documentation; a stateful test generator (Schemathesis) follows them to
drive a cart through its life: open it, fill it, change it, check it out, read it back in time.
"""

from __future__ import annotations

from typing import Any

Parameters = dict[str, str]

CART = {"path.cart_id": "$response.body#/id"}
IF_MATCH = {"header.If-Match": "$response.header.ETag"}
FIRST_LINE = {"path.sku": "$response.body#/lines/0/sku"}
THIS_VERSION = {"query.version": "$response.body#/version"}

# (link name, target operationId, parameters, request body or None) for the operations on one
# cart. ``ReadAtThisVersion`` is time travel: the cart right after the version just answered.
CART_LINKS: list[tuple[str, str, Parameters, Any]] = [
    ("Read", "carts_retrieve", CART, None),
    ("ReadAtThisVersion", "carts_retrieve", CART | THIS_VERSION, None),
    ("ReadEvents", "carts_events_retrieve", CART, None),
    ("AddItem", "carts_items_create", CART | IF_MATCH, None),
    ("ChangeQuantity", "carts_items_update", CART | IF_MATCH | FIRST_LINE, None),
    ("RemoveItem", "carts_items_destroy", CART | IF_MATCH | FIRST_LINE, None),
    (
        "AcceptCatalogPrice",
        "carts_items_price_update",
        CART | IF_MATCH | FIRST_LINE,
        {"unit_price": "$response.body#/lines/0/catalog_price"},
    ),
    ("ApplyDiscount", "carts_discount_create", CART | IF_MATCH, None),
    ("RemoveDiscount", "carts_discount_destroy", CART | IF_MATCH, None),
    ("GiveCheckoutDetails", "carts_checkout_details_update", CART | IF_MATCH, None),
    ("CheckOut", "carts_checkout_create", CART | IF_MATCH, None),
    ("Abandon", "carts_abandon_create", CART | IF_MATCH, None),
]
# The operations whose success answers the cart, and that answer's status.
CART_ANSWERS = {
    "carts_create": "201",
    "carts_retrieve": "200",
    "carts_items_create": "200",
    "carts_items_update": "200",
    "carts_items_destroy": "200",
    "carts_items_price_update": "200",
    "carts_discount_create": "200",
    "carts_discount_destroy": "200",
    "carts_checkout_details_update": "200",
    "carts_checkout_create": "200",
    "carts_abandon_create": "200",
}

SUBSCRIPTION = {"path.subscription_id": "$response.body#/id"}
WEBHOOK_LINKS: list[tuple[str, str, Parameters, Any]] = [
    ("Read", "webhook_retrieve", SUBSCRIPTION, None),
    ("Change", "webhooks_partial_update", SUBSCRIPTION, None),
    ("RotateSecret", "webhooks_rotate_secret_create", SUBSCRIPTION, None),
    ("Replay", "webhooks_replay_create", SUBSCRIPTION, None),
    ("Delete", "webhooks_destroy", SUBSCRIPTION, None),
]
WEBHOOK_ANSWERS = {
    "webhooks_create": "201",
    "webhook_retrieve": "200",
    "webhooks_partial_update": "200",
    "webhooks_rotate_secret_create": "200",
}


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the links above on the answers they start from.

    Raises KeyError naming an operationId or status the document no longer has, so that a
    renamed operation fails the document's build (and its tests) rather than losing its links.
    """
    operations = {
        operation["operationId"]: operation
        for path in result.get("paths", {}).values()
        for operation in path.values()
    }
    for answers, links in ((CART_ANSWERS, CART_LINKS), (WEBHOOK_ANSWERS, WEBHOOK_LINKS)):
        for source, status in answers.items():
            response = operations[source]["responses"][status]
            response["links"] = {
                name: _link(operations, target, parameters, body)
                for name, target, parameters, body in links
            }
    return result


def _link(
    operations: dict[str, Any], target: str, parameters: Parameters, body: Any
) -> dict[str, Any]:
    if target not in operations:
        raise KeyError(f"no operation {target!r} in the document for a link to lead to")
    link: dict[str, Any] = {"operationId": target, "parameters": dict(parameters)}
    if body is not None:
        link["requestBody"] = body
    return link
