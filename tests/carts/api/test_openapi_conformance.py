"""Schemathesis against the API's own OpenAPI document: no 5xx, every answer as documented.

Runs in-process through the WSGI application (no server) in both generation modes: positive
(valid requests, which must be accepted or refused for a documented reason) and negative
(invalid requests, which must be refused with a documented 4xx). Examples are bounded so the
whole module stays well under a minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from carts.api.preconditions import ENTITY_TAGS_PATTERN
from carts.api.schema import CART_EXAMPLE
from carts.application import demo
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from carts.models import DiscountCode, Product
from config.wsgi import application
from eventstore.metadata import Metadata

MAX_EXAMPLES = 12
EXAMPLE_CART = UUID(CART_EXAMPLE.value["id"])


def _openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


config = SchemathesisConfig.from_dict(
    {
        # NUL characters are refused with 400 by every text field (Django's and DRF's own
        # validators); generating them would only report that documented refusal.
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "allow-x00": False,
        },
        "checks": {
            # A valid request may still be refused by a cart rule (409/412/422) or name a cart
            # that does not exist (404): those are documented answers, not failures.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422", "429"]
            }
        },
    }
)
schema = schemathesis.openapi.from_dict(_openapi(), config=config)
schema.app = application


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # Calling the WSGI application fires request_started/finished, whose handler closes a
    # connection that is inside a transaction (the test's); Django's own test client unhooks it
    # the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def demo_catalog(db) -> None:
    """The demo catalog, which the document's examples name."""
    for sku, name, description, price in demo.PRODUCTS:
        Product.objects.create(
            sku=sku, name=name, description=description, price=Decimal(price), currency="EUR"
        )
    for code, description, kind, value, currency in demo.CODES:
        DiscountCode.objects.create(
            code=code, description=description, kind=kind, value=Decimal(value), currency=currency
        )


@pytest.fixture
def staff_token(_keep_the_test_connection, demo_catalog, monkeypatch, settings) -> str:
    # Throttling is proven elsewhere; here it would only turn generated commands into 429s.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "100000/minute"})
    # Generated min_positions are mostly never reached; waiting for each would only add time.
    settings.API_MIN_POSITION_WAIT_SECONDS = 0
    # Likewise the feed's generated ?wait= (accepted up to the documented maximum, waited 0 s).
    settings.API_FEED_MAX_WAIT_SECONDS = 0
    user = User.objects.create_user("fuzz-staff", is_staff=True)
    # The cart the document's examples name, so example requests reach a real cart.
    context = Metadata(actor=f"user:{user.pk}", source="system")
    handle(CreateCart(cart_id=EXAMPLE_CART, owner_id=f"user:{user.pk}"), Context.system(context))
    handle(AddItem(cart_id=EXAMPLE_CART, sku="TEA-SEN", quantity=2), Context.system(context))
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_the_api_answers_every_generated_request_as_documented(case, staff_token):
    # The coverage phase sometimes fills If-Match (or If-None-Match) with the integer 0, outside
    # the documented pattern, and still calls the case valid: the 400 it gets is right.
    tags = [(case.headers or {}).get(name) for name in ("If-Match", "If-None-Match")]
    off_schema = any(t is not None and not re.search(ENTITY_TAGS_PATTERN, str(t)) for t in tags)
    headers = {"Authorization": f"Token {staff_token}"}
    response = case.call(headers=headers)
    case.validate_response(
        response,
        headers=headers,
        excluded_checks=[positive_data_acceptance]
        if off_schema or _beyond_the_schema(response)
        else None,
        transport_kwargs={"headers": headers},
    )


# Refusals of values the document cannot describe, each said in its operation's description:
# whether checkout details can be delivered to (an e-mail address's syntax, a country the shop
# ships to, no control characters; carts.application.checkout_details), and whether a currency
# code is well formed (the cart tells it from one the shop does not sell, 422). Any other 400
# for a schema-valid request still fails.
BEYOND_THE_SCHEMA = {"invalid_checkout_details", "invalid_currency"}


def _beyond_the_schema(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code != 400:
        return False
    return response.json().get("code") in BEYOND_THE_SCHEMA
