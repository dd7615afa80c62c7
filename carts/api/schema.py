"""OpenAPI pieces shared by the API's views: headers, problem responses and examples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.serializers import Serializer

from carts.api.errors import PROBLEM_CONTENT_TYPE
from carts.api.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from carts.api.preconditions import ENTITY_TAGS_PATTERN
from carts.api.serializers import CartSerializer, ProblemSerializer
from carts.web import request_ids

_PROBLEM_TEXT = {
    400: "Malformed JSON (or a member named twice), unknown fields, wrong types or bad headers.",
    401: "No or invalid credentials.",
    403: "Signed in, but not allowed (or CSRF token missing for a session).",
    404: "No such cart, or not yours.",
    409: "The cart's state forbids the command now (e.g. not open).",
    412: "If-Match names a version that is no longer current.",
    413: "The request body is too large.",
    415: "The body is not JSON, or names a charset other than utf-8.",
    422: "A cart rule refused the command, or an Idempotency-Key was reused for another request.",
    429: "Too many commands; retry after the Retry-After header's seconds.",
}
# Answers any operation may give: added to every operation by the postprocessing hook below.
COMMON_STATUSES = (400, 401, 403, 406, 429)

# If-Match, If-None-Match and Idempotency-Key carry no example: Swagger UI pre-fills examples
# into "Try it out", and a fixed tag or key makes the second try answer 412 (or 304) or 422
# idempotency_key_reused. Their descriptions say what to send instead.
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": ENTITY_TAGS_PATTERN},
    OpenApiParameter.HEADER,
    description='The cart version you decided on, as its ETag in double quotes (`"3"` for'
    " version 3), a comma-separated list of them, or `*`; compared strongly (RFC 9110 13.1.1),"
    " so a weak tag never matches. Stale: 412, nothing written; malformed: 400"
    " `invalid_if_match`. Leave it out to run the command whatever the version.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    {"type": "string", "pattern": ENTITY_TAGS_PATTERN},
    OpenApiParameter.HEADER,
    description='The ETag(s) of the copy you hold (`"3"`), or `*`; compared weakly (RFC 9110'
    " 13.1.2). A match answers 304 Not Modified with the ETag and no body; malformed: 400"
    " `invalid_if_none_match`.",
)
NOT_MODIFIED = OpenApiResponse(description="Your copy is current (If-None-Match): no body.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    description=f"A string unique to this command, 1 to {MAX_KEY_LENGTH} characters (a fresh"
    " UUID per command fits). A retry with the same key returns the first answer and writes"
    " nothing; the same key with another body answers 422.",
)

CORRELATION_ID = OpenApiParameter(
    "X-Correlation-ID",
    {
        "type": "string",
        "minLength": 1,
        "maxLength": request_ids.MAX_LENGTH,
        "pattern": request_ids.ID_PATTERN,
    },
    OpenApiParameter.HEADER,
    description="Your id for this request, carried by every event it causes (X-Request-ID is"
    f" read too): {request_ids.ALLOWED}. Anything else answers 400 and writes nothing; without"
    " one, a fresh UUID is used.",
    examples=[OpenApiExample("a UUID", value="c0ffee00-0000-4000-8000-000000000001")],
)


# Examples name the demo catalog (carts.application.demo), so "Try it out" works after make run.
SKU_IN_PATH = OpenApiParameter(
    "sku",
    str,
    OpenApiParameter.PATH,
    description="The SKU of a line in the cart.",
    examples=[OpenApiExample("Sencha Kyoto", value="TEA-SEN")],
)


def without_example_links(paginated: dict[str, Any]) -> dict[str, Any]:
    """A paginator's response schema with ``next``/``previous`` examples of null: DRF's point
    at http://api.example.org/accounts/, an API that does not exist."""
    for link in ("next", "previous"):
        paginated["properties"][link]["example"] = None
    return paginated


def response_headers(status: int) -> list[OpenApiParameter]:
    """ETag, X-Event-Position and Idempotent-Replayed on a command's success answer."""
    return [
        etag_header(status),
        OpenApiParameter(
            "X-Event-Position",
            int,
            OpenApiParameter.HEADER,
            description="Global position of the last event written: pass it as ?min_position="
            " to read models that include this change. Absent when the command changed nothing.",
            response=[status],
        ),
        OpenApiParameter(
            "Idempotent-Replayed",
            str,
            OpenApiParameter.HEADER,
            description="'true' when this is the stored answer to an earlier request with the"
            " same Idempotency-Key.",
            response=[status],
        ),
    ]


def etag_header(status: int = 200) -> OpenApiParameter:
    """The ETag response header: the cart's version."""
    return OpenApiParameter(
        "ETag", str, OpenApiParameter.HEADER, description="The cart's version.", response=[status]
    )


def integrity_header() -> OpenApiParameter:
    """The X-Integrity response header: whether the cart's history passed verification."""
    return OpenApiParameter(
        "X-Integrity",
        str,
        OpenApiParameter.HEADER,
        enum=["intact", "broken"],
        description="intact, or broken when the cart's stored history failed an integrity"
        " check (a removed, inserted or altered event, or a forged snapshot).",
        response=[200],
    )


CART_EXAMPLE = OpenApiExample(
    "an open cart",
    response_only=True,
    value={
        "id": "0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a11",
        "version": 3,
        "status": "open",
        "owner_id": "user:2",
        "currency": "EUR",
        "lines": [
            {
                "sku": "TEA-SEN",
                "name": "Sencha Kyoto",
                "unit_price": "8.90",
                "quantity": 2,
                "total": "17.80",
                "prices": [{"unit_price": "8.90", "quantity": 2, "total": "17.80"}],
                "catalog_price": "8.90",
                "price_changed": False,
                "available": True,
            }
        ],
        "line_count": 1,
        "units": 2,
        "subtotal": "17.80",
        "discount": {"code": "WELCOME10", "kind": "percent", "value": "10.00", "currency": ""},
        "discount_amount": "1.78",
        "total": "16.02",
        "merged_into": None,
        "order_number": None,
        "checkout_details": {
            "email": "ada@example.com",
            "full_name": "Ada Lovelace",
            "address_line1": "12 St James's Square",
            "address_line2": "",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country": "GB",
            "erased": False,
        },
    },
)


def problems(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """Problem-details responses for the given statuses."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, _PROBLEM_TEXT[code])
        for code in statuses
    }


def command_schema(
    summary: str,
    *,
    request: type[Serializer] | None,
    status: int = 200,
    errors: tuple[int, ...] = (404, 409, 412, 413, 415, 422),
    examples: list[OpenApiExample] | None = None,
    description: str = "",
    conditional: bool = True,
    parameters: list[OpenApiParameter] | None = None,
) -> Callable[[Any], Any]:
    """extend_schema for a cart command: its body, the cart it answers, headers and errors."""
    return extend_schema(
        summary=summary,
        description=description or None,
        tags=["cart commands"],
        request=request,
        parameters=[
            *([IF_MATCH] if conditional else []),
            IDEMPOTENCY_KEY,
            CORRELATION_ID,
            *response_headers(status),
            *(parameters or []),
        ],
        responses={status: OpenApiResponse(CartSerializer, "The cart after the command.")}
        | problems(*errors),
        examples=[CART_EXAMPLE, *(examples or [])],
    )


def add_common_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: common errors on every operation, closed bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        schemas["Problem"] = {"type": "object"}
    for name, component in schemas.items():
        # Request bodies refuse unknown fields (StrictSerializer); the document says so.
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _no_empty_query_strings(operation)
            if any(p.get("name") in ("page", "cursor") for p in operation.get("parameters", [])):
                responses = operation.setdefault("responses", {})
                responses.setdefault(
                    "404",
                    {
                        "description": "No such page.",
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": ref}},
                    },
                )
            responses = operation.setdefault("responses", {})
            for code in COMMON_STATUSES:
                text = _PROBLEM_TEXT.get(code, "The requested representation is not available.")
                responses.setdefault(
                    str(code),
                    {"description": text, "content": {PROBLEM_CONTENT_TYPE: {"schema": ref}}},
                )
    return result


# A checkpoint as the feed hands them out: (writing transaction):(position). "0:42" names no
# transaction the store ever has, so the feed would refuse it.
EXAMPLE_CHECKPOINT = "771204:42"

EVENT_EXAMPLE = {
    "position": 42,
    "checkpoint": EXAMPLE_CHECKPOINT,
    "event_id": "5d1c1c1e-2b7e-4a51-8f3e-0c9f0e2b9a77",
    "stream_id": "cart-0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a11",
    "stream_type": "cart",
    "version": 2,
    "event_type": "cart.ItemAdded",
    "schema_version": 3,
    "data": {
        "sku": "TEA-SEN",
        "name": "Sencha Kyoto",
        "unit_price": "8.90",
        "currency": "EUR",
        "quantity": 2,
        "reprices_line": False,
    },
    "metadata": {
        "actor": "user:2",
        "source": "api",
        "command": "cart_add_item",
        "correlation_id": "c0ffee00-0000-4000-8000-000000000001",
    },
    "recorded_at": "2026-11-26T10:15:00Z",
}


def _no_empty_query_strings(operation: dict[str, Any]) -> None:
    # Every query parameter, when given, needs a value: an empty one is refused (400) rather
    # than read as "not given".
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") == "array":
            schema.setdefault("minItems", 1)
            schema = schema.get("items", {})
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)


CART_READ_EXAMPLE = OpenApiExample(
    "an open cart, history intact",
    response_only=True,
    value={**CART_EXAMPLE.value, "integrity": {"status": "intact", "problems": []}},
)
