"""Schemathesis follows the API's OpenAPI links: open a cart, then act on it and read it back.

Each scenario opens a cart (POST /api/carts/) or subscribes a webhook, then follows the links
of carts.api.schema_links: the cart's id into every cart operation, its ETag into the next
command's If-Match, its first line's SKU into the line operations, its version into time
travel; a subscription's id into its own operations. Requests are generated valid (positive)
and invalid (negative, one step in ten) and run in-process through the WSGI application.

Besides Schemathesis's own checks (no 5xx, answers as documented), every answer is held to
what the API promises about writing:

- a refusal (4xx) is a problem document and wrote no event;
- a read wrote no event;
- a command's success wrote events exactly when it names the last one (X-Event-Position), and
  an answer replayed for an Idempotency-Key wrote none;
- a cart an answer holds is as far as its stream after a command, at most as far when read
  (time travel), and its ETag names that version.

Bounded (scenarios of at most STEPS steps) so that a run takes seconds on each backend.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from carts.api.problems import PROBLEM_CONTENT_TYPE
from carts.application import demo
from config.wsgi import application
from eventstore.models import Event
from tests.carts.api.openapi_runs import beyond_the_schema, openapi_document
from tests.checkout_details import DETAILS_FIELDS

STEPS = 10
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code"}

# Only the links the document declares: they are the contract under test.
ONLY_DECLARED_LINKS: dict[str, Any] = {"inference": {"algorithms": []}}
EXPECTED_FOR_VALID_DATA = ["2xx", "304", "401", "403", "404", "409", "412", "422", "429"]
# Where the scenarios start: a cart opened for its caller, as a shopper's first add does; a
# webhook to a public address given as such (no name to resolve). Their entry operation's own
# inputs are the stateless run's (test_openapi_conformance): here it only has to succeed, as
# every later step needs what it answers.
CART_ENTRY = ("carts_create", {"type": "object", "properties": {}, "additionalProperties": False})
# What positive steps send (negative steps send anything else): the values a cart can really be
# filled, discounted and checked out with, and a few it cannot. A generated SKU or code is
# almost never in the catalog, and without lines a cart goes nowhere; the stateless run sends
# every value the schema allows.
UNKNOWN = "NOT-IN-THE-CATALOG"
QUANTITIES = [1, 2, 3, 99, 100, 0]
REAL_VALUES: list[tuple[str, str | None, list[Any]]] = [
    ("AddItemInputRequest", "sku", [*(sku for sku, *_ in demo.PRODUCTS), UNKNOWN]),
    ("ApplyDiscountInputRequest", "code", [*(code for code, *_ in demo.CODES), UNKNOWN]),
    ("AddItemInputRequest", "quantity", QUANTITIES),
    ("ChangeQuantityInputRequest", "quantity", QUANTITIES),
    (
        "CheckoutDetailsInputRequest",
        None,
        [DETAILS_FIELDS, DETAILS_FIELDS | {"email": "ada"}, DETAILS_FIELDS | {"country": "XX"}],
    ),
]
WEBHOOK_TARGET = "https://93.184.215.14/hook"
WEBHOOK_ENTRY = (
    "webhooks_create",
    {
        "type": "object",
        "properties": {"target_url": {"type": "string", "enum": [WEBHOOK_TARGET]}},
        "required": ["target_url"],
        "additionalProperties": False,
    },
)


class CheckedWrites:
    """Mixed into a state machine: the token it calls with, and the write checks above."""

    token = ""
    # Which operation answered which status, over a run: a walk that no longer reaches a
    # cart's deeper states (filled, discounted, checked out) would prove little.
    statuses: Counter[tuple[str, int]] = Counter()
    recorder: Any

    def setup(self) -> None:
        # Every scenario starts from the same shop: Hypothesis replays the choices of a
        # scenario and needs the same answers to them (a cart id chosen by the client is free
        # again, an Idempotency-Key unused).
        self._events_before = 0
        self._fresh_shop = transaction.savepoint()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self._fresh_shop)

    def before_call(self, case: Any) -> None:
        self._events_before = Event.objects.count()

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Token {self.token}"}}

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        written = Event.objects.count() - self._events_before
        self.statuses[(case.operation.label, response.status_code)] += 1
        what = f"{case.operation.label} answered {response.status_code}"
        if response.status_code >= 400:
            _assert_problem(response, what)
            assert written == 0, f"{what} (a refusal) but wrote {written} event(s)"
        elif case.method.upper() in ("GET", "HEAD") or response.status_code == 304:
            assert written == 0, f"{what} (a read) but wrote {written} event(s)"
            _assert_cart_as_stored(response, what, read=True)
        else:
            _assert_writes_as_answered(response, written, what)
            _assert_cart_as_stored(response, what, read=False)
        case.validate_response(
            response,
            excluded_checks=[positive_data_acceptance] if beyond_the_schema(response) else None,
            # The token is sent by us, not generated: the auth checks must know it.
            headers=kwargs.get("headers"),
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )


def journeys(
    paths: str,
    entry: tuple[str, dict[str, Any]],
    values: list[tuple[str, str | None, list[Any]]] = REAL_VALUES,
    *,
    only_these: bool = False,
    path_values: dict[str, list[str]] | None = None,
) -> type:
    """A state machine over the operations whose paths match ``paths``, every scenario starting
    at the entry operation (its operationId, and the body it is given) and following links.

    Schemathesis would also start scenarios at operations that need an id no step has given
    yet (a random cart id: a 404, which the stateless run covers); those starts are left out,
    so that every scenario's steps go to a resource that exists. ``values`` are what positive
    steps send (REAL_VALUES), ``path_values`` those of path parameters; with ``only_these``
    every other operation is left out of the document, as are the links to them.
    """
    document = openapi_document()
    if only_these:
        document = _pruned(document, paths)
    label = _narrow(document, *entry)
    for component, field, chosen in values:
        _only(document, component, field, chosen)
    for parameter, chosen in (path_values or {}).items():
        _only_in_path(document, parameter, chosen)
    config = SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "all", "deterministic": True, "allow-x00": False},
            "phases": {"stateful": ONLY_DECLARED_LINKS},
            "checks": {"positive_data_acceptance": {"expected-statuses": EXPECTED_FOR_VALID_DATA}},
            "operations": [{"include-operation-id": entry[0], "generation": {"mode": "positive"}}],
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config).include(path_regex=paths)
    schema.app = application
    machine = schema.as_state_machine()
    start = "RANDOM__" + re.sub(r"\W", "_", label).replace("__", "_")
    assert start in machine.root_rules, f"{label} starts no scenario: {sorted(machine.root_rules)}"
    others = {name: None for name in machine.root_rules if name != start}
    return type(machine.__name__, (CheckedWrites, machine), others | {"root_rules": {start}})


def _only_in_path(document: dict[str, Any], name: str, values: list[str]) -> None:
    """Make every path parameter ``name`` one of ``values``."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == name:
                    parameter["schema"] = {"type": "string", "enum": values}


def _pruned(document: dict[str, Any], paths: str) -> dict[str, Any]:
    """The document with only the operations whose paths match ``paths``, and the links that
    lead to them: a link to an operation left out would still be followed."""
    document["paths"] = {p: ops for p, ops in document["paths"].items() if re.search(paths, p)}
    kept = {op.get("operationId") for ops in document["paths"].values() for op in ops.values()}
    for operations in document["paths"].values():
        for operation in operations.values():
            for answer in operation.get("responses", {}).values():
                links = answer.get("links") or {}
                for name in [n for n, link in links.items() if link.get("operationId") not in kept]:
                    del links[name]
    return document


def _narrow(document: dict[str, Any], operation_id: str, body: dict[str, Any]) -> str:
    """Give the operation ``operation_id`` only ``body`` and no headers; its "METHOD path"."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("operationId") == operation_id:
                for content in operation["requestBody"]["content"].values():
                    content["schema"] = body
                operation["parameters"] = [
                    p for p in operation.get("parameters", []) if p["in"] != "header"
                ]
                return f"{method.upper()} {path}"
    raise LookupError(f"no operation {operation_id} in the document")


def _only(document: dict[str, Any], component: str, field: str | None, values: list[Any]) -> None:
    """Make ``field`` of request body ``component`` (or the whole body) one of ``values``."""
    schemas = document["components"]["schemas"]
    if field is None:
        schemas[component] = {"enum": values}
    else:
        schemas[component]["properties"][field] = {"enum": values}


CartJourneys = journeys("^/api/carts/", CART_ENTRY)
# The way to a checkout only, with valid values only: open, fill, give details, check out, read.
# Among every cart operation and value, a derandomized walk of a few scenarios may never put a
# line, valid details and a fresh If-Match together before checking out.
# The cart's lines and discounts only, with valid values only: what a walk over every operation
# and value reaches in one run and not in another (the answers it follows, positions and
# versions, depend on what ran before in the same database).
ONE_SKU = demo.PRODUCTS[0][0]
LineJourneys = journeys(
    r"^/api/carts/(\{cart_id\}/((items|discount)/(\{sku\}/)?)?)?$",
    CART_ENTRY,
    [
        ("AddItemInputRequest", "sku", [ONE_SKU]),
        ("AddItemInputRequest", "quantity", [1, 2, 3]),
        ("ChangeQuantityInputRequest", "quantity", [1, 2, 3]),
        ("ApplyDiscountInputRequest", "code", [code for code, *_ in demo.CODES]),
    ],
    only_these=True,
    # One product only, so that a step on a line finds it whenever the cart has one.
    path_values={"sku": [ONE_SKU]},
)
CheckoutJourneys = journeys(
    r"^/api/carts/(\{cart_id\}/((items|checkout-details|checkout|abandon)/)?)?$",
    CART_ENTRY,
    [
        ("AddItemInputRequest", "sku", [sku for sku, *_ in demo.PRODUCTS]),
        ("AddItemInputRequest", "quantity", [1, 2, 3]),
        ("CheckoutDetailsInputRequest", None, [DETAILS_FIELDS]),
    ],
    only_these=True,
)
WebhookJourneys = journeys("^/api/webhooks/", WEBHOOK_ENTRY)


def _headers(response: Any) -> dict[str, str]:
    return {name.lower(): values[0] for name, values in response.headers.items()}


def _assert_problem(response: Any, what: str) -> None:
    content_type = _headers(response).get("content-type", "")
    assert content_type == PROBLEM_CONTENT_TYPE, f"{what} as {content_type!r}"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_MEMBERS, f"{what} without {PROBLEM_MEMBERS - set(body)}"
    assert body["status"] == response.status_code, f"{what} whose problem says {body['status']}"
    assert isinstance(body["detail"], str) and body["detail"], f"{what} without a detail"


def _assert_writes_as_answered(response: Any, written: int, what: str) -> None:
    headers = _headers(response)
    if headers.get("idempotent-replayed") == "true" or "x-event-position" not in headers:
        assert written == 0, f"{what} naming no new event, but wrote {written}"
    else:
        assert written > 0, f"{what} naming event {headers['x-event-position']}, but wrote none"
        last = Event.objects.order_by("-position").values_list("position", flat=True).first()
        assert str(last) == headers["x-event-position"], f"{what} naming another last event"


def _assert_cart_as_stored(response: Any, what: str, *, read: bool) -> None:
    body = json.loads(response.content) if response.content else None
    if not (isinstance(body, dict) and {"id", "version", "lines"} <= set(body)):
        return
    version = body["version"]
    stream = Event.objects.filter(stream_id=f"cart-{body['id']}").count()
    assert version <= stream if read else version == stream, f"{what}: {version} of {stream}"
    tag = _headers(response)["etag"]
    assert re.fullmatch(rf'"{version}(-[0-9a-f]{{12}})?"', tag), f"{what}: ETag {tag}"


@pytest.fixture
def superuser_token(keep_the_test_connection, demo_catalog, generated_requests_unhindered) -> str:
    """A token of a superuser, who may do everything the links lead to."""
    user = User.objects.create_superuser("journeys", password=None)
    return Token.objects.create(user=user).key


def scenarios(count: int) -> settings:
    """Hypothesis settings for ``count`` scenarios of at most STEPS steps, the same each run."""
    return settings(
        max_examples=count,
        stateful_step_count=STEPS,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


# What a run must have done successfully at least once (most of it: see the test), for its
# checks to have meant much.
# Every scenario of the walk over every operation reads the cart it opened; its deeper states
# are asked of the narrower walks below, which reach most of them whatever ran before.
CART_STEPS_REACHED = {"POST /api/carts/", "GET /api/carts/{cart_id}/"}
LINE_STEPS_REACHED = {
    "POST /api/carts/{cart_id}/items/",
    "PUT /api/carts/{cart_id}/items/{sku}/",
    "DELETE /api/carts/{cart_id}/items/{sku}/",
    "POST /api/carts/{cart_id}/discount/",
    "DELETE /api/carts/{cart_id}/discount/",
}
CHECKOUT_STEPS_REACHED = {
    "POST /api/carts/{cart_id}/items/",
    "PUT /api/carts/{cart_id}/checkout-details/",
    "POST /api/carts/{cart_id}/checkout/",
    "POST /api/carts/{cart_id}/abandon/",
}
WEBHOOK_STEPS_REACHED = {
    "GET /api/webhooks/{subscription_id}/",
    "PATCH /api/webhooks/{subscription_id}/",
    "POST /api/webhooks/{subscription_id}/rotate-secret/",
    "DELETE /api/webhooks/{subscription_id}/",
}


@pytest.mark.parametrize(
    ("machine", "count", "reached", "at_least"),
    [
        (CartJourneys, 15, CART_STEPS_REACHED, 2),
        (LineJourneys, 20, LINE_STEPS_REACHED, 4),
        (CheckoutJourneys, 15, CHECKOUT_STEPS_REACHED, 3),
        (WebhookJourneys, 6, WEBHOOK_STEPS_REACHED, 3),
    ],
    ids=["carts", "lines", "checkout", "webhooks"],
)
def test_following_the_links_never_fails_and_writes_only_what_it_answers(
    machine, count, reached, at_least, superuser_token
):
    machine.token = superuser_token
    machine.statuses = Counter()
    machine.run(settings=scenarios(count))
    succeeded = {label for label, status in machine.statuses if status < 300}
    # Most of the deeper steps, not all: the values a walk follows (ids, versions, positions)
    # differ with what ran before in the same database, and so do the steps it happens to
    # take in the right order (a line's removal after its addition, with a fresh If-Match).
    missed = sorted(reached - succeeded)
    assert len(reached & succeeded) >= at_least, f"never succeeded: {missed}"
