"""The Content-Security-Policy, and every page living within it: no inline script or event
handler anywhere, no style attribute, and each <style> block carrying the request's nonce.

Every page without a path parameter is read (the URL patterns are walked, so a page added later
is read too), as a superuser so the admin's pages answer, plus the pages of one cart.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata

# Script types a browser does not run (data for scripts), which need no nonce.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def page_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every route without a path parameter, e.g. ``admin/auth/user/``."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).removeprefix("^").removesuffix("$")
        if isinstance(pattern, URLResolver):
            found += page_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route:
            found.append(route)
    return found


def policy_of(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


class InlineCode(HTMLParser):
    """Collects whatever in a page the policy would block or must allow by nonce."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.blocked.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")
        inline_script = tag == "script" and "src" not in found
        if inline_script and found.get("type") not in DATA_SCRIPT_TYPES:
            self.blocked.append("<script> without src")
        if tag == "style" and (self.nonce is None or found.get("nonce") != self.nonce):
            self.blocked.append("<style> without the request's nonce")


def blocked_in(response: Any) -> list[str]:
    nonces = [s for s in policy_of(response)["style-src"] if s.startswith("'nonce-")]
    parser = InlineCode(nonces[0][len("'nonce-") : -1] if nonces else None)
    parser.feed(response.content.decode())
    return parser.blocked


@pytest.fixture
def staff(db, catalog) -> tuple[Client, list[str]]:
    """A superuser's client, and the pages of one cart of theirs."""
    root = User.objects.create_superuser("csp-root", password="x")
    client = Client()
    client.force_login(root)
    context = Context.system(Metadata(actor=f"user:{root.pk}", source="ui", correlation_id="csp"))
    cart_id = handle(CreateCart(owner_id=f"user:{root.pk}"), context).cart.id
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=1), context)
    cart_pages = [
        f"/carts/{cart_id}/history/",
        f"/admin/carts/cart/{cart_id}/timeline/",
        "/products/TEA-001/",
        "/admin/projections/analytics/funnel/",
    ]
    return client, cart_pages


def test_the_policy_allows_scripts_from_this_site_only(db) -> None:
    policy = policy_of(Client().get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    everything = " ".join(" ".join(sources) for sources in policy.values())
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    assert "*" not in everything and "http:" not in everything


def test_no_page_holds_what_the_policy_would_block(staff: tuple[Client, list[str]]) -> None:
    client, cart_pages = staff
    read = 0
    blocked = {}
    for path in [f"/{route}" for route in page_routes()] + cart_pages:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        read += 1
        if problems := blocked_in(response):
            blocked[path] = problems
    assert read > 25  # the shop's pages, the admin's lists and forms, the API docs
    assert blocked == {}


def test_a_style_block_is_allowed_by_the_nonce_of_its_own_request(
    staff: tuple[Client, list[str]],
) -> None:
    client, _ = staff
    first, second = (client.get("/admin/projections/dashboard/") for _ in range(2))
    nonce = next(s for s in policy_of(first)["style-src"] if s.startswith("'nonce-"))
    assert f'nonce="{nonce[7:-1]}"' in first.content.decode()
    assert nonce not in policy_of(second)["style-src"]


def test_the_api_docs_page_runs_its_start_up_script_from_a_file(db) -> None:
    client = Client()
    page = client.get("/api/docs/")
    assert blocked_in(page) == []
    assert 'src="/api/docs/?script="' in page.content.decode()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle(" in script.content.decode()


def test_a_page_without_a_style_block_gets_no_nonce(db) -> None:
    assert policy_of(Client().get("/"))["style-src"] == ["'self'"]
