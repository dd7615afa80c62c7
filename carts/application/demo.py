"""Demo data: a small tea shop with shoppers and carts whose histories span several days.

Everything goes through the ordinary cart services, with the event store's clock set back, so
the demo's events are exactly what real use would have written. Running it again changes nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from carts.application import confirmation, repository
from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    Command,
    CreateCart,
    RemoveItem,
)
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.values import CheckoutDetails
from carts.models import DiscountCode, Product
from eventstore import clock
from eventstore.metadata import Metadata

PRODUCTS = [
    ("TEA-SEN", "Sencha Kyoto", "Bright, grassy Japanese green tea.", "8.90"),
    ("TEA-GEN", "Genmaicha", "Green tea with toasted rice.", "7.50"),
    ("TEA-ASS", "Assam Breakfast", "Malty black tea for strong mornings.", "6.90"),
    ("TEA-DAR", "Darjeeling First Flush", "Floral spring Darjeeling.", "14.50"),
    ("TEA-EAR", "Earl Grey Bergamot", "Black tea with bergamot oil.", "7.90"),
    ("TEA-OOL", "Tieguanyin Oolong", "Orchid-scented rolled oolong.", "12.80"),
    ("TEA-PUE", "Aged Pu-erh Cake", "Earthy fermented tea, 357 g cake.", "29.00"),
    ("TEA-ROO", "Rooibos Vanilla", "Caffeine-free, sweet and round.", "5.90"),
    ("TEA-CHA", "Masala Chai Blend", "Black tea with cardamom and ginger.", "6.50"),
    ("TEA-MAT", "Ceremonial Matcha", "Stone-ground matcha, 30 g tin.", "24.00"),
    ("TEA-JAS", "Jasmine Pearls", "Hand-rolled green tea scented with jasmine.", "11.40"),
    ("TEA-WHI", "White Peony", "Delicate white tea from Fujian.", "10.20"),
    ("POT-KYU", "Kyusu Teapot", "Side-handle clay teapot, 300 ml.", "39.00"),
    ("POT-GLA", "Glass Teapot", "Borosilicate teapot with infuser, 800 ml.", "27.50"),
    ("CUP-SET", "Porcelain Cups (set of 4)", "Thin-walled tasting cups.", "18.00"),
    ("MUG-STN", "Stoneware Mug", "Speckled glaze, 350 ml.", "12.00"),
    ("ACC-WHI", "Bamboo Matcha Whisk", "100-prong chasen.", "15.00"),
    ("ACC-INF", "Steel Infuser", "Fine mesh basket infuser.", "6.00"),
    ("ACC-KET", "Gooseneck Kettle", "Temperature-controlled electric kettle.", "69.00"),
    ("ACC-CAD", "Tea Caddy", "Airtight tin caddy, 150 g.", "9.50"),
    ("ACC-OLD", "Whistling Kettle (retired)", "No longer sold.", "25.00"),
]
RETIRED = {"ACC-OLD"}
CODES = [
    ("WELCOME10", "10% off your first order", "percent", "10", ""),
    ("TEATIME15", "15% off tea leaves", "percent", "15", ""),
    ("FIVEOFF", "5 EUR off", "amount", "5", "EUR"),
]
SHOPPERS = [("shopper", "shopper-demo"), ("sam", "shopper-demo")]
# Where the demo's orders go: one address per demo shopper (as SHOPPERS), then the guests'.
ADDRESSES = [
    CheckoutDetails(
        email="shopper@example.com",
        full_name="Mina Okafor",
        address_line1="14 Rue des Thés",
        city="Lyon",
        postal_code="69002",
        country="FR",
    ),
    CheckoutDetails(
        email="sam@example.com",
        full_name="Sam Lindqvist",
        address_line1="Teegasse 3",
        address_line2="2. Stock",
        city="Wien",
        postal_code="1010",
        country="AT",
    ),
    CheckoutDetails(
        email="guest@example.com",
        full_name="Alex Morgan",
        address_line1="5 Leaf Lane",
        city="Bristol",
        postal_code="BS1 4DJ",
        country="GB",
    ),
]
STAFF = ("admin", "admin-demo")
NAMESPACE = uuid.UUID("6f1c2b8e-8f5e-4b38-9a59-2f0a4c0f1d10")


@dataclass
class Seeded:
    products: int
    carts_created: int
    carts_existing: int


def seed() -> Seeded:
    """Create the catalog, users and demo carts that are missing; leave existing ones alone."""
    for sku, name, description, price in PRODUCTS:
        Product.objects.update_or_create(
            sku=sku,
            defaults={
                "name": name,
                "description": description,
                "price": Decimal(price),
                "currency": "EUR",
                "active": sku not in RETIRED,
            },
        )
    for code, description, kind, value, currency in CODES:
        DiscountCode.objects.update_or_create(
            code=code,
            defaults={
                "description": description,
                "kind": kind,
                "value": Decimal(value),
                "currency": currency,
            },
        )
    owners = [_user(name, password).pk for name, password in SHOPPERS]
    if settings.DEBUG:
        _user(*STAFF, staff=True)
    created = existing = 0
    with confirmation.withheld():  # the demo's customers are not waiting for an e-mail
        for number in range(14):
            if _seed_cart(number, owners):
                created += 1
            else:
                existing += 1
    return Seeded(products=len(PRODUCTS), carts_created=created, carts_existing=existing)


def _user(username: str, password: str, *, staff: bool = False):  # type: ignore[no-untyped-def]
    user, made = get_user_model().objects.get_or_create(
        username=username,
        defaults={"is_staff": staff, "is_superuser": staff, "email": f"{username}@example.com"},
    )
    if made:
        user.set_password(password)
        user.save()
    return user


def _seed_cart(number: int, owners: list[int]) -> bool:
    cart_id = uuid.uuid5(NAMESPACE, f"demo-cart-{number}")
    try:
        repository.load(cart_id)
        return False
    except errors.CartNotFound:
        pass
    rng = random.Random(number)
    # Every fifth cart is a guest's, owned by that guest's session identity.
    who = number % len(owners) if number % 5 else len(owners)
    owner = f"user:{owners[who]}" if number % 5 else f"guest:demo-{number}"
    actor = owner
    start = timezone.now() - timedelta(days=6 - number % 7, hours=rng.randint(1, 9))
    steps = _Steps(cart_id, actor, start, rng)
    steps.run(CreateCart(owner_id=owner, cart_id=cart_id))
    skus = rng.sample([sku for sku, *_ in PRODUCTS if sku not in RETIRED], k=rng.randint(2, 5))
    for sku in skus:
        steps.run(AddItem(cart_id=cart_id, sku=sku, quantity=rng.randint(1, 3)))
    if rng.random() < 0.6:
        steps.run(ChangeQuantity(cart_id=cart_id, sku=skus[0], quantity=rng.randint(2, 4)))
    if rng.random() < 0.5:
        steps.run(RemoveItem(cart_id=cart_id, sku=skus[-1]))
    if rng.random() < 0.4:
        code = rng.choice(CODES)[0]
        steps.run(ApplyDiscount(cart_id=cart_id, code=code))
    ending = number % 4
    if ending in (0, 1):
        steps.run(CheckOut(cart_id=cart_id, details=ADDRESSES[min(who, len(ADDRESSES) - 1)]))
    elif ending == 2 and number < 10:
        steps.run(
            Abandon(cart_id=cart_id, reason="idle for more than 24 hours"),
            actor="system",
            source="system",
            after=timedelta(hours=25),
        )
    return True


class _Steps:
    """Runs commands for one demo cart at increasing moments in the past."""

    def __init__(self, cart_id: uuid.UUID, actor: str, start: datetime, rng: random.Random):
        self.cart_id, self.actor, self.moment, self.rng = cart_id, actor, start, rng
        self.correlation = str(uuid.uuid5(NAMESPACE, f"session-{cart_id}"))

    def run(
        self,
        command: Command,
        *,
        actor: str = "",
        source: str = "ui",
        after: timedelta | None = None,
    ) -> None:
        self.moment += after or timedelta(minutes=self.rng.randint(1, 40))
        context = Metadata(
            actor=actor or self.actor,
            source=source,
            correlation_id=self.correlation,
            command_id=str(uuid.uuid4()),
            client_ip="127.0.0.1",
            user_agent="seed_demo",
        )
        with clock.recording_at(min(self.moment, timezone.now())):
            handle(command, Context.system(context))
