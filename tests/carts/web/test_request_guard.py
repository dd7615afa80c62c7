"""The request guard: unstorable characters and malformed correlation ids are refused with 400.

Every interface that writes (the shop, the API, the admin) is driven with a real command; a
refused one must name what was wrong and leave the event log as it was.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, QueryDict
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from carts.application import repository
from carts.application.commands import CreateCart
from carts.application.handler import Context, handle
from carts.web.request_guard import unstorable_place
from eventstore.metadata import Metadata
from eventstore.models import Event

pytestmark = pytest.mark.django_db

INTERFACES = ("shop", "api", "admin")
# One command through each interface, sent with extra headers (as Django's test client takes them).
Send = Callable[..., Any]


@pytest.fixture
def shopper(db) -> User:
    return User.objects.create_user("guarded-shopper")


@pytest.fixture
def cart_id(catalog, shopper: User) -> UUID:
    context = Metadata(actor=f"user:{shopper.pk}", source="ui")
    return handle(CreateCart(owner_id=f"user:{shopper.pk}"), Context.system(context)).cart.id


@pytest.fixture
def send(request: Any, shopper: User, cart_id: UUID, agent: User) -> Send:
    """POST one command through the interface named by the test's parameter."""
    interface = request.param
    client = Client(raise_request_exception=False)
    if interface == "shop":
        client.force_login(shopper)
        return lambda **headers: client.post(
            reverse("cart-add"), {"sku": "TEA-001", "quantity": 1}, **headers
        )
    if interface == "api":
        token = Token.objects.create(user=shopper).key
        return lambda **headers: client.post(
            reverse("api:cart-items", args=[cart_id]),
            {"sku": "TEA-001", "quantity": 1},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            **headers,
        )
    client.force_login(agent)
    return lambda **headers: client.post(
        reverse("admin:carts_cart_abandon", args=[cart_id]),
        {"reason": "test", "confirm": "yes"},
        **headers,
    )


def refusal_text(response: Any) -> str:
    """What a refusal says: the problem's detail for the API, the page's text otherwise."""
    assert response.status_code == 400
    if response["Content-Type"] == "application/problem+json":
        return str(response.json()["detail"])
    assert response["Content-Type"].startswith("text/html")
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("send", INTERFACES, indirect=True)
@pytest.mark.parametrize("header", ["X-Correlation-ID", "X-Request-ID"])
@pytest.mark.parametrize("value", ['=HYPERLINK("http://x.example")', "@SUM(1)", "a b", "x" * 101])
def test_a_command_with_a_malformed_correlation_id_is_refused_naming_the_header(
    send: Send, header: str, value: str, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = send(**{"HTTP_" + header.upper().replace("-", "_"): value})
    text = refusal_text(response)
    assert f"the {header} header must be 1 to 100 letters, digits" in text
    assert event_count() == before


@pytest.mark.parametrize("send", INTERFACES, indirect=True)
def test_a_command_records_a_valid_correlation_id_on_its_event(
    send: Send, cart_id: UUID, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = send(HTTP_X_CORRELATION_ID="client:req-7.a_b")
    assert response.status_code in (200, 302, 303), response.content
    assert event_count() == before + 1
    last = Event.objects.filter(stream_id=repository.stream_id(cart_id)).latest("version")
    assert last.correlation_id == "client:req-7.a_b"


@pytest.mark.parametrize("send", INTERFACES, indirect=True)
@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("User-Agent", "curl\x00/8"),
        ("Cookie", "sessionid=abcdefgh\x00ijklmnop"),
        ("X-Correlation-ID", "req\x00uest"),
        ("Accept-Language", "en\x00"),
    ],
)
def test_a_nul_in_any_header_is_refused_naming_the_header(
    send: Send, header: str, value: str, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = send(**{"HTTP_" + header.upper().replace("-", "_"): value})
    # Header names are case-insensitive; the message spells them as Django does.
    assert f"the {header.lower()} header contains a nul character" in refusal_text(response).lower()
    assert event_count() == before


def test_a_nul_in_an_api_token_is_refused_before_the_token_is_looked_up(
    client: Client, cart_id: UUID
) -> None:
    response = client.get(
        reverse("api:cart-detail", args=[cart_id]), HTTP_AUTHORIZATION="Token ab\x00cd"
    )
    assert "the Authorization header contains a NUL" in refusal_text(response)
    assert response.json()["code"] == "invalid_character"


@pytest.mark.parametrize(
    ("url", "place"),
    [
        ("/?q=%00", "the query parameter 'q'"),
        ("/?q=tea&%00=1", "the query parameter '\\x00'"),
        ("/products/TEA%00/", "the path"),
        ("/admin/eventstore/event/correlation/%00/", "the path"),
    ],
)
def test_a_page_with_a_nul_answers_a_400_page_naming_where_it_was(
    client: Client, catalog, url: str, place: str
) -> None:
    assert f"{place} contains a NUL character" in refusal_text(client.get(url))


def test_a_nul_in_a_shop_form_field_is_refused_naming_the_field(
    client: Client, catalog, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = client.post(reverse("cart-add"), {"sku": "TEA-001\x00", "quantity": 1})
    assert "the form field 'sku' contains a NUL character" in refusal_text(response)
    assert event_count() == before


def test_an_api_query_with_a_nul_is_answered_with_a_problem_document(client: Client) -> None:
    response = client.get("/api/events/?event_type=%00")
    assert response.json()["code"] == "invalid_character"
    assert "the query parameter 'event_type'" in refusal_text(response)


def test_a_lone_surrogate_counts_as_unstorable() -> None:
    # Django's own parsing replaces undecodable bytes, so this arrives only from code.
    request = HttpRequest()
    request.GET = QueryDict(mutable=True)
    request.GET["q"] = "tea\ud800"
    assert unstorable_place(request) == "the query parameter 'q'"


def test_ordinary_text_passes_the_guard(client: Client, catalog) -> None:
    response = client.get("/?q=Green+tea+%E2%98%98", HTTP_USER_AGENT="Mozilla/5.0 (X11)")
    assert response.status_code == 200
    assert "Green tea" in response.content.decode()


# --- what Django refuses before any view: the guard's handler400 says why -----------------

# A command of each interface, its URL and how its body is sent.
PLACES = {
    "shop": ("cart-add", [], "application/x-www-form-urlencoded"),
    "admin": ("admin:carts_cart_abandon", ["cart_id"], "application/x-www-form-urlencoded"),
    "api": ("api:cart-items", ["cart_id"], "application/json"),
}


@pytest.fixture
def place(request: Any, shopper: User, agent: User, cart_id: UUID) -> tuple[Client, str, str]:
    """A signed-in client, the URL of a command of the interface named by the parameter, and the
    content type its body is sent as."""
    name, args, content_type = PLACES[request.param]
    client = Client(raise_request_exception=False)
    if request.param == "api":
        token = Token.objects.create(user=shopper).key
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    client.force_login(agent if request.param == "admin" else shopper)
    return client, reverse(name, args=[cart_id] * len(args)), content_type


def refused_saying(response: Any, status: int) -> str:
    """What a refusal with ``status`` says: a problem's detail under /api/, a page's text else."""
    assert response.status_code == status, response.content[:300]
    if response["Content-Type"] == "application/problem+json":
        return str(response.json()["detail"])
    assert response["Content-Type"].startswith("text/html")
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("place", PLACES, indirect=True)
def test_a_body_over_the_upload_limit_is_refused_with_413_naming_the_limit(
    place: tuple[Client, str, str], settings: Any, event_count: Callable[[], int]
) -> None:
    client, url, content_type = place
    before = event_count()
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = json.dumps({"sku": big, "quantity": 1}) if "json" in content_type else f"sku={big}"
    text = refused_saying(client.post(url, body, content_type=content_type), 413)
    assert re.search(r"the request body is larger than \d+ bytes", text)
    assert event_count() == before


@pytest.mark.parametrize("place", PLACES, indirect=True)
@pytest.mark.parametrize("where", ["query", "form"])
def test_more_fields_than_the_limit_are_refused_naming_the_limit(
    place: tuple[Client, str, str], where: str, settings: Any, event_count: Callable[[], int]
) -> None:
    client, url, content_type = place
    before = event_count()
    fields = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    if where == "query":
        response = client.post(f"{url}?{fields}", "{}", content_type=content_type)
    else:
        # The API reads no form (415 before reading it); its query is where fields can pile up.
        response = client.post(url, fields, content_type="application/x-www-form-urlencoded")
        if content_type == "application/json":
            assert response.status_code == 415
            return
    text = refused_saying(response, 400)
    assert f"the request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields" in text
    assert event_count() == before


@pytest.mark.parametrize("place", PLACES, indirect=True)
def test_a_host_the_site_does_not_serve_is_refused_saying_so(
    place: tuple[Client, str, str], event_count: Callable[[], int]
) -> None:
    client, url, content_type = place
    before = event_count()
    response = client.post(url, "{}", content_type=content_type, HTTP_HOST="shop.example.net")
    assert "the Host header names no host this site answers for" in refused_saying(response, 400)
    assert event_count() == before


def test_more_files_than_the_limit_are_refused_naming_the_limit(
    shopper_client: Client, settings: Any, event_count: Callable[[], int]
) -> None:
    before = event_count()
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    files = [SimpleUploadedFile(f"f{n}.txt", b"x") for n in range(limit + 1)]
    response = shopper_client.post(reverse("cart-add"), {"sku": "TEA-001", "f": files})
    assert f"the request has more than {limit} files" in refused_saying(response, 400)
    assert event_count() == before


@pytest.fixture
def shopper_client(shopper: User, catalog) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(shopper)
    return client
