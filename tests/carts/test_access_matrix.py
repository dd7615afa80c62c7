"""The access matrix: every URL of the shop, the API and the admin that reads or changes a cart,
for every role, with the status each must get, and no event written wherever it is refused.

The expected statuses are written out by hand (not derived from the policy under test):

- shop pages answer 404 for a cart the person may not read (as for a missing one), 403 for a
  cart they may read but not change, 200 / 303 when allowed;
- the API answers 401 to anyone without credentials, then the same 404 / 403 rule;
- the admin sends anyone who is not staff to its login page (302), then the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carts.application import repository
from carts.application.access import INTEGRATION_GROUP
from carts.application.commands import (
    AddItem,
    ApplyDiscount,
    CheckOut,
    CreateCart,
    MergeCarts,
)
from carts.application.handler import Context, handle
from carts.models import Product
from carts.web.request_context import GUEST_ID_KEY
from eventstore.metadata import Metadata
from tests.checkout_details import DETAILS, DETAILS_FIELDS

ROLES = (
    "anonymous",
    "guest",
    "shopper",
    "other_shopper",
    "staff_without_role",
    "auditor",
    "operator",
    "integration",
    "superuser",
)
GUEST_ID = "guest:matrix-session"
ALLOWED_WRITE = "writes"  # the request succeeded and recorded at least one event


@dataclass(frozen=True)
class Endpoint:
    """One URL of one interface, how to call it, and what each role must get."""

    name: str
    interface: str  # "shop", "api" or "admin"
    method: str
    path: str  # with {cart} for the cart's id
    expected: dict[str, int | str]
    body: dict[str, Any] | None = None
    checked_out: bool = False  # the cart must be checked out first (the confirmation page)
    repriced: bool = False  # staff set TEA-001 to 4.75 first (a line price to accept)
    discounted: bool = False  # the cart must carry a discount first (removing it)


def _row(*statuses: int | str) -> dict[str, int | str]:
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


W = ALLOWED_WRITE
#                 anon  guest shopper other staff auditor operator integr. super
SHOP_READ = _row(404, 404, 200, 404, 404, 200, 200, 200, 200)
SHOP_CHANGE = _row(404, 404, W, 404, 404, 403, W, W, W)
# Choosing the cart to fill changes the session only (and only to one's own cart).
SHOP_CHOOSE = _row(404, 404, 303, 404, 404, 403, 303, 303, 303)
API_READ = _row(401, 401, 200, 404, 404, 200, 200, 200, 200)
API_CHANGE = _row(401, 401, W, 404, 404, 403, W, W, W)
API_ABANDON = _row(401, 401, 403, 404, 404, 403, W, 403, W)
API_OPEN_FOR_SHOPPER = _row(401, 401, W, 403, 403, 403, W, W, W)
API_LOG = _row(401, 401, 403, 403, 403, 200, 403, 200, 200)
ADMIN_READ = _row(302, 302, 302, 302, 404, 200, 200, 302, 200)
ADMIN_ACT = _row(302, 302, 302, 302, 404, 403, W, 302, W)
ADMIN_LIST = _row(302, 302, 302, 302, 403, 200, 200, 302, 200)

ENDPOINTS = [
    Endpoint("shop history", "shop", "GET", "/carts/{cart}/history/", SHOP_READ),
    Endpoint(
        "shop confirmation", "shop", "GET", "/checkout/{cart}/done/", SHOP_READ, checked_out=True
    ),
    Endpoint(
        "shop quantity",
        "shop",
        "POST",
        "/cart/{cart}/lines/TEA-001/quantity/",
        SHOP_CHANGE,
        {"quantity": "3"},
    ),
    Endpoint("shop remove", "shop", "POST", "/cart/{cart}/lines/TEA-001/remove/", SHOP_CHANGE),
    Endpoint("shop continue", "shop", "POST", "/carts/{cart}/continue/", SHOP_CHOOSE),
    Endpoint(
        "shop line price",
        "shop",
        "POST",
        "/cart/{cart}/lines/TEA-001/price/",
        SHOP_CHANGE,
        {"unit_price": "4.75"},
        repriced=True,
    ),
    Endpoint(
        "shop discount", "shop", "POST", "/cart/{cart}/discount/", SHOP_CHANGE, {"code": "FIVEOFF"}
    ),
    Endpoint(
        "shop discount off",
        "shop",
        "POST",
        "/cart/{cart}/discount/remove/",
        SHOP_CHANGE,
        discounted=True,
    ),
    Endpoint(
        "shop checkout",
        "shop",
        "POST",
        "/checkout/{cart}/",
        SHOP_CHANGE,
        {"version": "2", **DETAILS_FIELDS},
    ),
    Endpoint("api cart", "api", "GET", "/api/carts/{cart}/", API_READ),
    Endpoint("api cart as of", "api", "GET", "/api/carts/{cart}/?version=1", API_READ),
    Endpoint("api events", "api", "GET", "/api/carts/{cart}/events/", API_READ),
    Endpoint(
        "api add",
        "api",
        "POST",
        "/api/carts/{cart}/items/",
        API_CHANGE,
        {"sku": "MUG-001", "quantity": 1},
    ),
    Endpoint(
        "api quantity",
        "api",
        "PUT",
        "/api/carts/{cart}/items/TEA-001/",
        API_CHANGE,
        {"quantity": 3},
    ),
    Endpoint("api remove", "api", "DELETE", "/api/carts/{cart}/items/TEA-001/", API_CHANGE),
    Endpoint(
        "api line price",
        "api",
        "PUT",
        "/api/carts/{cart}/items/TEA-001/price/",
        API_CHANGE,
        {"unit_price": "4.75"},
        repriced=True,
    ),
    Endpoint(
        "api discount",
        "api",
        "POST",
        "/api/carts/{cart}/discount/",
        API_CHANGE,
        {"code": "FIVEOFF"},
    ),
    Endpoint(
        "api discount off",
        "api",
        "DELETE",
        "/api/carts/{cart}/discount/",
        API_CHANGE,
        discounted=True,
    ),
    Endpoint(
        "api checkout details",
        "api",
        "PUT",
        "/api/carts/{cart}/checkout-details/",
        API_CHANGE,
        DETAILS_FIELDS,
    ),
    Endpoint(
        "api checkout",
        "api",
        "POST",
        "/api/carts/{cart}/checkout/",
        API_CHANGE,
        {"checkout_details": DETAILS_FIELDS},
    ),
    Endpoint(
        "api abandon", "api", "POST", "/api/carts/{cart}/abandon/", API_ABANDON, {"reason": "x"}
    ),
    Endpoint(
        "api open for the shopper",
        "api",
        "POST",
        "/api/carts/",
        API_OPEN_FOR_SHOPPER,
        {"owner_id": "{shopper}"},
    ),
    Endpoint("api feed", "api", "GET", "/api/events/", API_LOG),
    Endpoint("api summaries", "api", "GET", "/api/read-models/cart-summaries/", API_LOG),
    Endpoint("api products", "api", "GET", "/api/read-models/product-activity/", API_LOG),
    Endpoint("api funnel", "api", "GET", "/api/read-models/daily-funnel/", API_LOG),
    Endpoint("api projections", "api", "GET", "/api/read-models/projections/", API_LOG),
    Endpoint("admin timeline", "admin", "GET", "/admin/carts/cart/{cart}/timeline/", ADMIN_READ),
    Endpoint("admin csv", "admin", "GET", "/admin/carts/cart/{cart}/timeline.csv", ADMIN_READ),
    Endpoint("admin json", "admin", "GET", "/admin/carts/cart/{cart}/timeline.json", ADMIN_READ),
    Endpoint(
        "admin abandon",
        "admin",
        "POST",
        "/admin/carts/cart/{cart}/abandon/",
        ADMIN_ACT,
        {"reason": "customer asked", "confirm": "yes"},
    ),
    Endpoint(
        "admin goodwill",
        "admin",
        "POST",
        "/admin/carts/cart/{cart}/goodwill/",
        ADMIN_ACT,
        {"kind": "percent", "value": "5", "currency": ""},
    ),
    Endpoint(
        "admin discount off",
        "admin",
        "POST",
        "/admin/carts/cart/{cart}/discount/remove/",
        ADMIN_ACT,
        discounted=True,
    ),
    Endpoint("admin cart list", "admin", "GET", "/admin/projections/cartsummary/", ADMIN_LIST),
]


def _user(username: str, *, staff: bool = False, perms: tuple[str, ...] = ()) -> User:
    user = User.objects.create_user(username, password="x", is_staff=staff)
    if perms:
        user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return user


def _person(role: str) -> tuple[User | None, str]:
    """The user (or None) and the session guest identity of each role."""
    if role == "anonymous":
        return None, ""
    if role == "guest":
        return None, GUEST_ID
    if role == "shopper":
        return User.objects.get(username="shopper"), ""
    if role == "other_shopper":
        return _user("other"), ""
    if role == "staff_without_role":
        return _user("clerk", staff=True), ""
    if role == "auditor":
        return _user("auditor", staff=True, perms=("view_event",)), ""
    if role == "operator":
        return _user("operator", staff=True, perms=("act_on_cart",)), ""
    if role == "integration":
        user = _user("erp")
        user.groups.add(Group.objects.get_or_create(name=INTEGRATION_GROUP)[0])
        return user, ""
    assert role == "superuser"
    return User.objects.create_superuser("root", password="x"), ""


def _client(endpoint: Endpoint, role: str) -> Client:
    user, guest_id = _person(role)
    if endpoint.interface == "api":
        api = APIClient()
        if user is not None:
            api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client: Client = api
    else:
        client = Client()
        if user is not None:
            client.force_login(user)
    if guest_id:
        session = client.session
        session[GUEST_ID_KEY] = guest_id
        session.save()
    return client


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    # A deliberately slow hasher protects real passwords; these users only need to log in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shoppers_cart(catalog) -> UUID:
    """An open cart of the shopper holding 2 x TEA-001 (version 2)."""
    cache.clear()  # a clean throttle allowance for every case
    shopper = User.objects.create_user("shopper", password="x")
    context = Metadata(actor=f"user:{shopper.pk}", source="ui")
    cart_id = handle(CreateCart(owner_id=f"user:{shopper.pk}"), Context.system(context)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(context))
    return cart_id


def _call(client: Client, endpoint: Endpoint, path: str, body: dict[str, Any] | None) -> Any:
    send: Callable[..., Any] = getattr(client, endpoint.method.lower())
    if endpoint.interface == "api" and endpoint.method != "GET":
        return send(path, body or {}, format="json")
    return send(path, body or {}) if endpoint.method == "POST" else send(path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_cart_url_answers_each_role_as_the_policy_says(
    endpoint: Endpoint, role: str, shoppers_cart: UUID, event_count
) -> None:
    shopper = User.objects.get(username="shopper")
    context = Metadata(actor=f"user:{shopper.pk}", source="ui")
    if endpoint.discounted:
        handle(ApplyDiscount(cart_id=shoppers_cart, code="WELCOME10"), Context.system(context))
    if endpoint.checked_out:
        handle(CheckOut(cart_id=shoppers_cart, details=DETAILS), Context.system(context))
    if endpoint.repriced:
        Product.objects.filter(sku="TEA-001").update(price=Decimal("4.75"))
    client = _client(endpoint, role)
    path = endpoint.path.format(cart=shoppers_cart)
    body = {
        k: v.format(shopper=f"user:{shopper.pk}") if isinstance(v, str) else v
        for k, v in (endpoint.body or {}).items()
    }
    before = event_count()
    response = _call(client, endpoint, path, body)
    expected = endpoint.expected[role]
    if expected == ALLOWED_WRITE:
        assert response.status_code in (200, 201, 302, 303), response.content[:300]
        assert event_count() > before, "an allowed change must record its event"
        if response.status_code in (302, 303):
            assert "/login/" not in response["Location"]
        return
    assert response.status_code == expected, response.content[:300]
    assert event_count() == before, "a refused or read-only request must write nothing"
    if expected == 302:
        assert "/admin/login/" in response["Location"]


def test_a_cart_that_does_not_exist_answers_exactly_as_one_the_person_may_not_read(
    shoppers_cart: UUID, catalog
) -> None:
    """For every role and URL that answers 404 for the shopper's cart, a missing one is the same."""
    missing = UUID(int=1)
    for endpoint in ENDPOINTS:
        for role in ROLES:
            if endpoint.expected[role] != 404 or "{cart}" not in endpoint.path:
                continue
            client = _client(endpoint, role)
            theirs = _call(
                client, endpoint, endpoint.path.format(cart=shoppers_cart), endpoint.body
            )
            nobodys = _call(client, endpoint, endpoint.path.format(cart=missing), endpoint.body)
            assert (theirs.status_code, _body(theirs, shoppers_cart), theirs.get("Vary")) == (
                nobodys.status_code,
                _body(nobodys, missing),
                nobodys.get("Vary"),
            ), f"{endpoint.name} as {role}"
            User.objects.exclude(username="shopper").delete()


def _body(response: Any, cart_id: UUID) -> bytes:
    return bytes(response.content).replace(str(cart_id).encode(), b"<cart>")


@pytest.mark.parametrize(
    ("who", "read", "change"),
    [
        ("the guest", 200, ALLOWED_WRITE),
        ("another guest", 404, 404),
        ("a shopper", 404, 404),
    ],
)
def test_a_guest_cart_belongs_to_its_session_alone(
    catalog, event_count, who: str, read: int, change: int | str
) -> None:
    context = Metadata(actor=GUEST_ID, source="ui")
    cart_id = handle(CreateCart(owner_id=GUEST_ID), Context.system(context)).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), Context.system(context))
    client = Client()
    if who == "a shopper":
        client.force_login(User.objects.create_user("sam"))
    else:
        session = client.session
        session[GUEST_ID_KEY] = GUEST_ID if who == "the guest" else "guest:someone-else"
        session.save()
    assert client.get(f"/carts/{cart_id}/history/").status_code == read
    before = event_count()
    response = client.post(f"/cart/{cart_id}/lines/TEA-001/quantity/", {"quantity": "2"})
    if change == ALLOWED_WRITE:
        assert response.status_code == 303
        assert repository.load(cart_id).lines["TEA-001"].quantity == 2
    else:
        assert response.status_code == change
        assert event_count() == before


def test_a_shopper_reads_but_does_not_drive_a_guest_cart_merged_into_theirs(
    catalog, event_count
) -> None:
    shopper = User.objects.create_user("mia")
    owner = f"user:{shopper.pk}"
    guest = Metadata(actor="guest:before-login", source="ui")
    guest_cart = handle(CreateCart(owner_id="guest:before-login"), Context.system(guest)).cart.id
    handle(AddItem(cart_id=guest_cart, sku="TEA-001", quantity=1), Context.system(guest))
    own = Metadata(actor=owner, source="ui")
    target = handle(CreateCart(owner_id=owner), Context.system(own)).cart.id
    handle(MergeCarts(source_cart_id=guest_cart, target_cart_id=target), Context.system(own))
    client = APIClient()
    client.force_authenticate(shopper)
    assert client.get(f"/api/carts/{guest_cart}/").status_code == 200
    before = event_count()
    refused = client.post(
        f"/api/carts/{guest_cart}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert refused.status_code == 403
    assert event_count() == before


@pytest.mark.parametrize("codename", ["view_event", "act_on_cart"])
def test_a_permission_without_staff_status_makes_no_auditor_or_operator(
    shoppers_cart: UUID, event_count, codename: str
) -> None:
    user = _user(f"not-staff-{codename}", perms=(codename,))
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(f"/api/carts/{shoppers_cart}/").status_code == 404
    assert api.get("/api/events/").status_code == 403
    before = event_count()
    refused = api.post(f"/api/carts/{shoppers_cart}/abandon/", {"reason": "x"}, format="json")
    assert refused.status_code == 404
    assert event_count() == before


def test_a_replayed_command_is_not_shown_to_someone_who_may_no_longer_read_the_cart(
    shoppers_cart: UUID, event_count
) -> None:
    erp = _user("erp-replay")
    group = Group.objects.get_or_create(name=INTEGRATION_GROUP)[0]
    erp.groups.add(group)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=erp).key}")
    body = {"sku": "MUG-001", "quantity": 1}
    url = f"/api/carts/{shoppers_cart}/items/"
    assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 200
    erp.groups.remove(group)
    before = event_count()
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 404
    assert "Idempotent-Replayed" not in again
    assert event_count() == before
