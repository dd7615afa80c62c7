"""A cart whose stored history was tampered with says so wherever it is read, and refuses commands.

Each attack is made as a database superuser would (tests.tampering); the outcome is checked on
every interface: the API's cart and events, the shop's history page, the admin timeline, and a
command, which must be refused with nothing written.
"""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import UUID

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from carts.application import repository
from carts.application.commands import ChangeQuantity
from carts.application.handler import Context, handle
from carts.models import Product
from eventstore import seals
from eventstore.models import Event, Snapshot
from tests.carts.api.conftest import CHECKOUT, problem_of
from tests.tampering import recompute_chain, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_client(owner) -> Client:
    client = Client()  # its own: the admin tests' clients share pytest-django's `client`
    client.force_login(owner)
    return client


def reads_as_broken(as_owner, shop_client: Client, cart_id: UUID) -> dict:
    """Every read path flags the cart; returns the API's cart document."""
    detail = as_owner.get(f"/api/carts/{cart_id}/")
    assert detail.status_code == 200
    assert detail["X-Integrity"] == "broken"
    assert detail.json()["integrity"]["status"] == "broken"
    assert detail.json()["integrity"]["problems"]
    assert as_owner.get(f"/api/carts/{cart_id}/events/")["X-Integrity"] == "broken"
    page = shop_client.get(f"/carts/{cart_id}/history/").content.decode()
    assert "failed its integrity check" in page
    return detail.json()


def command_is_refused(as_owner, cart_id: UUID, event_count) -> None:
    before = event_count()
    added = as_owner.post(
        f"/api/carts/{cart_id}/items/", {"sku": "TEA-001", "quantity": 1}, format="json"
    )
    assert added.status_code == 409, added.content
    assert problem_of(added)["code"] == "cart_integrity_failed"
    assert event_count() == before


def test_an_intact_cart_reads_as_intact_everywhere(as_owner, shop_client, new_cart):
    cart_id = new_cart(("TEA-001", 1))
    seals.seal_new_events()

    detail = as_owner.get(f"/api/carts/{cart_id}/")
    assert detail["X-Integrity"] == "intact"
    assert detail.json()["integrity"] == {"status": "intact", "problems": []}
    assert as_owner.get(f"/api/carts/{cart_id}/events/")["X-Integrity"] == "intact"
    assert (
        "failed its integrity check"
        not in shop_client.get(f"/carts/{cart_id}/history/").content.decode()
    )


def test_a_forged_snapshot_price_is_neither_served_nor_charged(
    as_owner, shop_client, new_cart, meta, settings, caplog
):
    settings.EVENTSTORE_SNAPSHOT_EVERY = 50
    Product.objects.create(sku="LAMP-069", name="Lamp", price=Decimal("69.00"), currency="EUR")
    cart_id = new_cart(("LAMP-069", 1))
    for version in range(3, 52):  # 51 events; the snapshot at 50 holds one lamp
        quantity = 2 if version % 2 else 1
        handle(
            ChangeQuantity(cart_id=cart_id, sku="LAMP-069", quantity=quantity), Context.system(meta)
        )
    snapshot = Snapshot.objects.get(stream_id=repository.stream_id(cart_id))
    assert snapshot.version == 50
    state = snapshot.state | {"lines": [["LAMP-069", "Lamp", "0.01", 1]]}
    tamper(
        "UPDATE eventstore_snapshot SET state = %s WHERE stream_id = %s",
        [json.dumps(state), snapshot.stream_id],
    )

    served = reads_as_broken(as_owner, shop_client, cart_id)
    assert served["total"] == "138.00"
    assert any("snapshot" in p for p in served["integrity"]["problems"])
    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    assert checkout.status_code == 200, checkout.content
    charged = Event.objects.get(stream_id=snapshot.stream_id, event_type="cart.CartCheckedOut")
    assert Decimal(charged.payload["total"]) == Decimal("138.00")
    assert f"replaying {snapshot.stream_id} in full" in caplog.text
    with pytest.raises(CommandError, match="snapshot"):
        call_command("verify_events")


def test_a_removed_staff_abandonment_leaves_the_cart_flagged_and_closed_to_commands(
    as_owner, as_staff, shop_client, new_cart, event_count, auditor_client
):
    cart_id = new_cart(("TEA-001", 1))
    abandoned = as_staff.post(f"/api/carts/{cart_id}/abandon/", {"reason": "fraud"}, format="json")
    assert abandoned.status_code == 200
    seals.seal_new_events()
    tamper(
        "DELETE FROM eventstore_event WHERE stream_id = %s AND event_type = %s",
        [repository.stream_id(cart_id), "cart.CartAbandoned"],
    )

    served = reads_as_broken(as_owner, shop_client, cart_id)
    assert served["status"] == "open"  # what the rows now replay to, flagged as not to be trusted
    command_is_refused(as_owner, cart_id, event_count)
    timeline = auditor_client.get(f"/admin/carts/cart/{cart_id}/timeline/").content.decode()
    assert "Integrity check failed" in timeline
    assert "events were removed" in timeline


def test_a_mid_stream_edit_is_flagged_at_once_and_refused_once_verified(
    as_owner, shop_client, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1), ("TEA-001", 2))
    seals.seal_new_events()
    _edit_price(cart_id, version=2)

    reads_as_broken(as_owner, shop_client, cart_id)
    with pytest.raises(CommandError):
        call_command("verify_events")
    command_is_refused(as_owner, cart_id, event_count)


def test_an_edit_with_the_chain_recomputed_refuses_commands_at_once(
    as_owner, shop_client, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1))
    seals.seal_new_events()
    _edit_price(cart_id, version=2)
    recompute_chain(repository.stream_id(cart_id))

    served = reads_as_broken(as_owner, shop_client, cart_id)
    assert any("it was altered" in p for p in served["integrity"]["problems"])
    command_is_refused(as_owner, cart_id, event_count)


def _long_cart(new_cart, settings) -> UUID:
    """A cart of 9 events with a snapshot at version 5 (snapshots every 5 events)."""
    settings.EVENTSTORE_SNAPSHOT_EVERY = 5
    cart_id = new_cart(*[("TEA-001", 1)] * 8)
    assert Snapshot.objects.get(stream_id=repository.stream_id(cart_id)).version == 5
    seals.seal_new_events()
    return cart_id


def _edit_price(cart_id: UUID, version: int) -> None:
    edited = Event.objects.get(stream_id=repository.stream_id(cart_id), version=version)
    tamper(
        "UPDATE eventstore_event SET payload = %s WHERE position = %s",
        [json.dumps(edited.payload | {"unit_price": "0.01"}), edited.position],
    )


def test_an_edit_after_the_snapshot_is_flagged_on_the_cart_served_now(
    as_owner, shop_client, new_cart, settings
):
    cart_id = _long_cart(new_cart, settings)
    _edit_price(cart_id, version=7)
    reads_as_broken(as_owner, shop_client, cart_id)


def test_an_edit_before_the_snapshot_is_flagged_by_every_read_of_the_history(
    as_owner, shop_client, new_cart, settings
):
    cart_id = _long_cart(new_cart, settings)
    _edit_price(cart_id, version=3)
    # The cart served now comes from the signed snapshot and is the true one (9 x 4.50) ...
    detail = as_owner.get(f"/api/carts/{cart_id}/")
    assert Decimal(detail.json()["total"]) == Decimal("36.00")
    # ... while everything that shows the history re-hashes all of it and says so at once,
    assert as_owner.get(f"/api/carts/{cart_id}/events/")["X-Integrity"] == "broken"
    page = shop_client.get(f"/carts/{cart_id}/history/").content.decode()
    assert "failed its integrity check" in page
    # and once verify_events has recorded the breach, the cart itself reads as broken too.
    with pytest.raises(CommandError):
        call_command("verify_events")
    assert as_owner.get(f"/api/carts/{cart_id}/")["X-Integrity"] == "broken"
