"""Following the feed while others write: nothing skipped, nothing repeated (PostgreSQL).

Writers in threads commit cart events concurrently, often out of position order, while an
integration pages through /api/events/ with a filter and a small limit.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carts.application.commands import AddItem, CreateCart, RemoveItem
from carts.application.handler import Context, handle
from carts.models import Product
from eventstore.metadata import Metadata
from eventstore.models import Event

pytestmark = [pytest.mark.postgres]

WRITERS = 3
ITEMS_PER_WRITER = 15


def _write(stop_after: int) -> None:
    try:
        context = Metadata(actor="system:test", source="system")
        cart = handle(CreateCart(), Context.system(context)).cart
        for n in range(stop_after):
            handle(
                AddItem(cart_id=cart.id, sku="TEA-001" if n % 2 else "MUG-001", quantity=1),
                Context.system(context),
            )
            if n % 3 == 2:
                handle(RemoveItem(cart_id=cart.id, sku="MUG-001"), Context.system(context))
    finally:
        connection.close()


def test_a_filtered_reader_resuming_during_writes_sees_each_matching_event_once(committed_db):
    Product.objects.create(sku="TEA-001", name="Green tea", price=Decimal("4.50"))
    Product.objects.create(sku="MUG-001", name="Mug", price=Decimal("12.00"))
    staff = User.objects.create_user("feed-reader", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_event"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    writers = [threading.Thread(target=_write, args=(ITEMS_PER_WRITER,)) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()

    seen: list[str] = []
    checkpoint = "0:0"
    while True:
        writing = any(writer.is_alive() for writer in writers)
        params = {"after": checkpoint, "limit": "4", "event_type": "cart.ItemAdded"}
        page = client.get("/api/events/", params).json()
        seen.extend(event["event_id"] for event in page["events"])
        checkpoint = page["checkpoint"]
        if not writing and not page["has_more"]:
            break
    for writer in writers:
        writer.join()
    connection.close()

    expected = Event.objects.filter(event_type="cart.ItemAdded").values_list("event_id", flat=True)
    assert len(seen) == len(set(seen)) == WRITERS * ITEMS_PER_WRITER
    assert set(seen) == {str(event_id) for event_id in expected}
