"""Text shaped as HTML that the shop accepted and stored is shown escaped wherever it appears.

The fuzzers (tests/hostile_forms.py) read the answer to each request; this reads every page a
stored value reaches later: a product named like a script tag, checkout details and an abandon
reason shaped as markup, shown in the shop, the admin and the order confirmation e-mail.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from carts.application.commands import Abandon, AddItem, CheckOut, CreateCart
from carts.application.handler import Context, handle
from carts.domain.values import CheckoutDetails
from carts.models import Product
from carts.web.order_mail import send_order_confirmation
from eventstore.metadata import Metadata
from eventstore.models import Event
from tests.checkout_details import DETAILS

pytestmark = pytest.mark.django_db

MARKUP = "<script>alert(1)</script>"
BREAK_OUT = '"><img src=x onerror=alert(1)>'
SHOWN_RAW = (MARKUP, "<img src=x onerror=alert(1)>")


@pytest.fixture
def stored(catalog, project_everything) -> dict[str, object]:
    """A paid and an abandoned cart of a product whose name, details and reason are markup."""
    product = Product.objects.create(sku="XSS-001", name=f"Tea {MARKUP}", price=Decimal("2.00"))
    shopper = User.objects.create_user("olive", password="x")
    owner = f"user:{shopper.pk}"
    context = Context.system(Metadata(actor=owner, source="ui", correlation_id=BREAK_OUT[:20]))
    paid = handle(CreateCart(owner_id=owner), context).cart.id
    handle(AddItem(cart_id=paid, sku="XSS-001", quantity=1), context)
    details = CheckoutDetails(**{**DETAILS.__dict__, "full_name": BREAK_OUT, "city": MARKUP})
    handle(CheckOut(cart_id=paid, details=details), context)
    closed = handle(CreateCart(owner_id=owner), context).cart.id
    handle(AddItem(cart_id=closed, sku="XSS-001", quantity=1), context)
    handle(Abandon(cart_id=closed, reason=f"staff {MARKUP}"), context)
    project_everything()
    event = Event.objects.filter(stream_id=f"cart-{paid}").latest("version")
    return {
        "shopper": shopper, "paid": paid, "closed": closed, "event": event.pk, "product": product.pk
    }  # fmt: skip


def test_every_page_shows_stored_markup_escaped(stored) -> None:
    root = User.objects.create_superuser("root", password="x")
    paid, closed = stored["paid"], stored["closed"]
    shop_pages = [
        "/", "/?q=tea", "/products/XSS-001/", "/carts/", f"/carts/{paid}/history/",
        f"/carts/{closed}/history/", f"/checkout/{paid}/done/",
    ]  # fmt: skip
    admin_pages = [
        "/admin/projections/cartsummary/", f"/admin/carts/cart/{paid}/timeline/",
        f"/admin/carts/cart/{closed}/timeline/", "/admin/eventstore/event/",
        f"/admin/eventstore/event/{stored['event']}/change/", "/admin/carts/product/",
        f"/admin/carts/product/{stored['product']}/change/",
        "/admin/projections/analytics/removals/",
    ]  # fmt: skip
    shown = _pages(stored["shopper"], shop_pages) | _pages(root, admin_pages)
    assert {url: status for url, (status, _) in shown.items() if status != 200} == {}
    assert [url for url, (_, text) in shown.items() if any(raw in text for raw in SHOWN_RAW)] == []
    # The stored values were there to be shown (else the test would prove nothing).
    assert sum("&lt;script&gt;" in text for _, text in shown.values()) >= 8


def test_the_order_confirmation_shows_stored_markup_escaped(stored, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_order_confirmation(stored["paid"])
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html_body = str(next(body for body, kind in message.alternatives if kind == "text/html"))
    assert "&lt;script&gt;" in html_body
    assert not any(raw in html_body for raw in SHOWN_RAW)


def _pages(person: User, urls: list[str]) -> dict[str, tuple[int, str]]:
    client = Client()
    client.force_login(person)
    return {url: _shown(client, url) for url in urls}


def _shown(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, response.content.decode()
