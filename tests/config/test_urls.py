"""Every page of the shop, the API and the admin, sent hostile values: never a 5xx.

The URL patterns are walked from the resolver, so a page added later is swept too. Path
parameters are filled with real objects (the shopper's cart, a product, a user, an event), so
the views get past their look-ups to the code that reads the hostile value. Each value goes into
the query string, a form body, every path parameter that takes text, and (for the API) a JSON
body. A NUL must be refused with 400 everywhere; any other value may be accepted or refused, but
never with a 5xx, and a refusal writes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from carts.application.commands import AddItem, ApplyDiscount, CheckOut, CreateCart
from carts.application.handler import Context, handle
from carts.models import Product
from eventstore.metadata import Metadata
from eventstore.models import Event
from projections.models import ProjectionState, WebhookDelivery, WebhookSubscription
from tests.checkout_details import DETAILS


@dataclass(frozen=True)
class Hostile:
    """A value as it goes on the wire (percent-encoded) and as a JSON body carries it."""

    name: str
    encoded: str
    in_json: Any


NUL = Hostile("NUL", "%00", "\x00")
NULS = [NUL, Hostile("NUL inside text", "tea%00mug", "tea\x00mug")]
HOSTILE = [
    Hostile("very long text", "x" * 5000, "x" * 5000),
    Hostile("invalid UTF-8", "%ff%fe", None),
    Hostile("lone surrogate", "%ed%a0%80", "\ud800"),
    Hostile("huge number", "99999999999999999999", 99999999999999999999),
    Hostile("negative number", "-1", -1),
    Hostile("not a number", "NaN", float("nan")),
    Hostile("5,000 digits", "9" * 5000, "9" * 5000),
    Hostile("a digit int() refuses", "%C2%B2", "\u00b2"),
    Hostile(
        "the calendar's last moment west of UTC",
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59-23:59",
    ),
    Hostile(
        "the calendar's first moment east of UTC",
        "0001-01-01T00:00:00%2B01:00",
        "0001-01-01T00:00:00+01:00",
    ),
    Hostile("the calendar's last day", "9999-12-31", "9999-12-31"),
]
# Every parameter a view of this project, Django's admin or django-filter reads.
QUERY_NAMES = (
    "q", "page", "version", "at", "after", "limit", "min_position", "ordering", "search",
    "status", "owner_id", "currency", "total_min", "updated_after", "day_from", "sku",
    "event_type", "stream_id", "actor", "recorded_after", "next", "term", "app_label",
    "model_name", "field_name",
)  # fmt: skip
# The admin's date filters and date hierarchies, which turn these into dates: each is sent on
# its own, since a change list redirects (?e=1) at the first name it does not know.
ADMIN_FILTER_NAMES = (
    "created_at__gte", "created_at__lt", "last_activity_at__year", "last_activity_at__month",
    "last_activity_at__day", "recorded_at__year", "recorded_at__gte", "recorded_at__lt",
)  # fmt: skip
ADMIN_QUERY_NAMES = ("q", "p", "o")
FORM_NAMES = (
    "sku", "quantity", "code", "version", "reason", "kind", "value", "currency", "username",
    "password", "password1", "password2", "email", "old_password", "new_password1",
    "new_password2", "name", "price", "description", "action", "_selected_action", "next",
)  # fmt: skip
JSON_BODIES: tuple[Callable[[Any], dict[str, Any]], ...] = (
    lambda v: {"sku": v, "quantity": 1},
    lambda v: {"quantity": v},
    lambda v: {"code": v},
    lambda v: {"reason": v},
    lambda v: {"currency": v},
    lambda v: {"owner_id": v},
    lambda v: {"cart_id": v},
)
FORM = "application/x-www-form-urlencoded"
ROLES = ("anonymous", "shopper", "superuser")
# The patterns that answer 404 for whatever matched nothing else.
CATCH_ALL = re.compile(r"\(\?P<(url|path)>(\.|\[\\s\\S\])\*\)")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern as one route string, e.g. ``cart/<uuid:cart_id>/discount/``."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).removeprefix("^").removesuffix("$")
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route


@dataclass
class World:
    """The objects whose ids fill the path parameters, and the people who ask."""

    cart_id: UUID
    checked_out_id: UUID
    correlation_id: str
    people: dict[str, User | None]
    admin_objects: dict[str, str]
    forgettable: str

    def url(self, route: str, text: str | None = None) -> str:
        """The route with real ids, or with ``text`` in every parameter that takes text."""

        def fill(match: re.Match[str]) -> str:
            name = match["name"] or match["group"]
            if text is not None and match["converter"] != "uuid" and name != "app_label":
                return text
            return self._real(route, name)

        return "/" + PARAMETER.sub(fill, route)

    def takes_text(self, route: str) -> bool:
        return any(
            m["converter"] != "uuid" and (m["name"] or m["group"]) != "app_label"
            for m in PARAMETER.finditer(route)
        )

    def _real(self, route: str, name: str) -> str:
        # A new kind of parameter, or a new model in the admin, fails here until it is given a
        # real object: swept with a made-up id, its view would stop at a 404.
        model = re.match(r"admin/(\w+)/(\w+)/", route)
        if name == "object_id" and model:
            return self.admin_objects[f"{model[1]}.{model[2]}"]
        if route == "checkout/<uuid:cart_id>/done/":
            return str(self.checked_out_id)
        values = {
            "cart_id": str(self.cart_id),
            "sku": "TEA-001",
            "event_type": "cart.ItemAdded",
            "correlation_id": self.correlation_id,
            "app_label": "carts",
            "content_type_id": str(ContentType.objects.get_for_model(Product).pk),
            "object_id": "TEA-001",
            "id": self.admin_objects["auth.user"],
            "subscription_id": self.admin_objects["projections.webhooksubscription"],
            "url": "nothing-here/",
            "path": "nothing-here/",
            # Someone who may be forgotten: a superuser's hostile reason may well forget them.
            "customer_id": self.forgettable,
        }
        return values[name]


@pytest.fixture
def world(
    catalog, project_everything: Callable[[], None], settings: Any, monkeypatch: Any
) -> World:
    """A shopper with an open and a paid cart, a superuser, one object of every admin model."""
    # The sweep posts passwords to every login form; the default hasher would take most of it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A huge ?min_position= is valid and never reached: waiting for it proves nothing here.
    settings.API_MIN_POSITION_WAIT_SECONDS = 0
    # Throttling is proven elsewhere; here it would turn most commands into 429s unexamined.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"cart_commands": "100000/minute"})
    cache.clear()
    shopper = User.objects.create_user("sweep-shopper", password="x")
    root = User.objects.create_superuser("sweep-root", password="x")
    bystander = User.objects.create_user("sweep-bystander")
    context = Metadata(actor=f"user:{shopper.pk}", source="ui", correlation_id="sweep-1")
    cart_id = handle(CreateCart(owner_id=f"user:{shopper.pk}"), Context.system(context)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(context))
    handle(ApplyDiscount(cart_id=cart_id, code="WELCOME10"), Context.system(context))
    paid = handle(CreateCart(owner_id=f"user:{shopper.pk}"), Context.system(context)).cart.id
    handle(AddItem(cart_id=paid, sku="MUG-001", quantity=1), Context.system(context))
    handle(CheckOut(cart_id=paid, details=DETAILS), Context.system(context))
    project_everything()
    first = Event.objects.earliest("position")
    subscription = WebhookSubscription.objects.create(
        target_url="https://93.184.215.14/hook", created_by=f"user:{root.pk}"
    )
    attempt = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=first.event_id,
        position=first.position,
        event_type=first.event_type,
        stream_id=first.stream_id,
        attempt=1,
        outcome=WebhookDelivery.Outcome.DELIVERED,
        attempted_at=first.recorded_at,
    )
    objects = {
        "auth.user": str(bystander.pk),
        "auth.group": str(Group.objects.create(name="sweepers").pk),
        "authtoken.tokenproxy": str(Token.objects.create(user=bystander).pk),
        "eventstore.event": str(Event.objects.earliest("position").pk),
        "projections.projectionstate": ProjectionState.objects.earliest("name").pk,
        "carts.product": "TEA-001",
        "carts.discountcode": "WELCOME10",
        "projections.cartsummary": str(cart_id),
        "projections.webhooksubscription": str(subscription.pk),
        "projections.webhookdelivery": str(attempt.pk),
    }
    return World(
        cart_id=cart_id,
        checked_out_id=paid,
        correlation_id="sweep-1",
        people={"anonymous": None, "shopper": shopper, "superuser": root},
        admin_objects=objects,
        forgettable=f"user:{bystander.pk}",
    )


@dataclass(frozen=True)
class Request:
    """One request of the sweep; ``guarded`` if a NUL in it must be refused before any view."""

    method: str
    url: str
    form: str | None = None
    json: bytes | None = None
    guarded: bool = False

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url[:150]} {(self.form or self.json or '')[:60]!r}"


def requests(world: World, route: str, value: Hostile) -> Iterator[Request]:
    """Every way ``value`` can reach ``route``: query string, form body, path, JSON body."""
    url = world.url(route)
    api = route.startswith("api/")
    # The admin's change lists refuse names they do not know before reading their own.
    names = ADMIN_QUERY_NAMES if re.fullmatch(r"admin/\w+/\w+/", route) else QUERY_NAMES
    yield Request("get", f"{url}?" + "&".join(f"{n}={value.encoded}" for n in names), guarded=True)
    if names is ADMIN_QUERY_NAMES:
        for name in ADMIN_FILTER_NAMES:
            yield Request("get", f"{url}?{name}={value.encoded}", guarded=False)
    form = "&".join(f"{n}={value.encoded}" for n in FORM_NAMES)
    # The API reads JSON only: a form body there is refused (415) without being read.
    yield Request("post", url, form=form, guarded=not api)
    if world.takes_text(route):
        yield Request("get", world.url(route, value.encoded), guarded=True)
    if api:
        for method in _json_methods(url):
            for body in _json_bodies(value):
                yield Request(method, url, json=body)


def guarded_only(world: World, route: str, value: Hostile) -> Iterator[Request]:
    """What only the request guard reads: a parameter's name, a path on a form post."""
    url = world.url(route)
    yield Request("get", f"{url}?{value.encoded}=1", guarded=True)
    if world.takes_text(route):
        yield Request("post", world.url(route, value.encoded), form="sku=x", guarded=True)


def _json_methods(url: str) -> list[str]:
    view = getattr(resolve(url.partition("?")[0]).func, "cls", None)
    return [m for m in ("post", "put", "patch", "delete") if view and hasattr(view, m)]


def _json_bodies(value: Hostile) -> Iterator[bytes]:
    if value.in_json is None:
        yield b'{"sku": "\xff\xfe", "quantity": 1}'
        return
    for body in JSON_BODIES:
        yield json.dumps(body(value.in_json)).encode()


class Visitor:
    """One person's client, signed in again whenever a request may have signed them out."""

    def __init__(self, person: User | None) -> None:
        self.person = person
        self.client = Client(raise_request_exception=False)
        self._sign_in()

    def send(self, request: Request) -> HttpResponse:
        send = getattr(self.client, request.method)
        if request.form is not None:
            response: HttpResponse = send(request.url, request.form, content_type=FORM)
        elif request.json is not None:
            response = send(request.url, request.json, content_type="application/json")
        else:
            response = send(request.url)
        if "logout" in request.url:
            self._sign_in()
        return response

    def _sign_in(self) -> None:
        if self.person is not None:
            self.client.force_login(self.person)


def sweep(world: World, role: str, value: Hostile, event_count: Any) -> list[str]:
    """Send ``value`` everywhere as ``role``; describe every answer that breaks the promise."""
    broken = []
    visitor = Visitor(world.people[role])
    before = event_count()
    for route in routes():
        for request in requests(world, route, value):
            status = visitor.send(request).status_code
            after = event_count()
            if status >= 500:
                broken.append(f"{status} for {request}")
            elif 400 <= status < 500 and after != before:
                broken.append(f"{status} but an event was written for {request}")
            before = after
    return broken


@pytest.mark.parametrize("role", ROLES)
def test_every_page_refuses_a_nul_with_400_and_writes_nothing(
    world: World, role: str, event_count: Any
) -> None:
    visitor = Visitor(world.people[role])
    before = event_count()
    answers = {
        request: visitor.send(request).status_code
        for value in NULS
        for route in routes()
        for request in chain(requests(world, route, value), guarded_only(world, route, value))
    }
    guarded = [request for request in answers if request.guarded]
    assert len(guarded) > 400
    assert [f"{answers[r]} for {r}" for r in guarded if answers[r] != 400] == []
    # A JSON body is the API's to refuse: its fields refuse a NUL, or it answers 401/403/404/415
    # before reading the body.
    assert [f"{code} for {r}" for r, code in answers.items() if code >= 500] == []
    assert event_count() == before


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_a_hostile_value_with_a_server_error(
    world: World, role: str, event_count: Any
) -> None:
    broken = [problem for value in HOSTILE for problem in sweep(world, role, value, event_count)]
    assert broken == []


def test_the_sweep_fills_every_path_parameter_with_an_object_that_exists(world: World) -> None:
    # Else the hostile values would stop at a 404 and the sweep would prove little. The admin's
    # view-on-site shortcut is the exception: no model here has a page on the site.
    staff, shopper = Visitor(world.people["superuser"]), Visitor(world.people["shopper"])
    answers = {
        route: (staff if route.startswith("admin/") else shopper)
        .send(Request("get", world.url(route)))
        .status_code
        for route in routes()
        if PARAMETER.search(route) and not CATCH_ALL.search(route) and "admin/r/" not in route
    }
    assert len(answers) > 40
    assert {route: code for route, code in answers.items() if code == 404} == {}
