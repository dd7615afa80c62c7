"""A command never acts on a cart whose history any check has seen broken.

Reads record what they find (so every later command is refused by its tail read), checkout and
merge re-hash the whole cart themselves, and the tail read sees a gap in the versions and a
seal record removed with the events it covered. Each attack is made as a database superuser
would (tests.tampering); every refusal writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from django.core.management import CommandError, call_command

from carts.application import repository
from carts.application.commands import AddItem, CreateCart, MergeCarts
from carts.application.handler import Context, handle
from carts.domain import errors
from eventstore import seals
from eventstore.models import Breach, Event
from tests.carts.api.conftest import CHECKOUT, problem_of
from tests.carts.api.test_integrity import (
    _edit_price,
    _long_cart,
    command_is_refused,
    reads_as_broken,
    shop_client,
)
from tests.tampering import tamper

pytestmark = pytest.mark.django_db

__all__ = ["shop_client"]  # a fixture the tests here use

READ_PATHS = {
    "api cart": ("as_owner", "/api/carts/{}/"),
    "api events": ("as_owner", "/api/carts/{}/events/"),
    "shop history": ("shop_client", "/carts/{}/history/"),
    "admin timeline": ("auditor_client", "/admin/carts/cart/{}/timeline/"),
}


def _refused(response, event_count, before: int) -> None:
    assert response.status_code == 409, response.content
    assert problem_of(response)["code"] == "cart_integrity_failed"
    assert event_count() == before


def _forged_tea_cart(new_cart) -> UUID:
    """The outside tester's cart: TEA x2 sealed, then its unit price set to 0.01 in place."""
    cart_id = new_cart(("TEA-001", 2))
    seals.seal_new_events()
    _edit_price(cart_id, version=2)
    return cart_id


def test_a_checkout_at_a_forged_price_nobody_read_yet_is_refused(as_owner, new_cart, event_count):
    cart_id = _forged_tea_cart(new_cart)
    before = event_count()

    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")

    _refused(checkout, event_count, before)
    assert "altered" in problem_of(checkout)["detail"]
    assert not Event.objects.filter(event_type="cart.CartCheckedOut").exists()
    # The checkout recorded what it found, so a cheap command is refused from now on too.
    assert Breach.objects.filter(stream_id=repository.stream_id(cart_id)).exists()
    command_is_refused(as_owner, cart_id, event_count)


def test_a_checkout_after_the_cart_read_as_broken_is_refused(
    as_owner, shop_client, new_cart, event_count
):
    cart_id = _forged_tea_cart(new_cart)
    reads_as_broken(as_owner, shop_client, cart_id)
    before = event_count()

    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")

    _refused(checkout, event_count, before)
    assert not Event.objects.filter(event_type="cart.CartCheckedOut").exists()


@pytest.mark.parametrize("path", READ_PATHS)
def test_every_read_path_that_sees_a_broken_chain_closes_the_cart_to_commands(
    request, path, as_owner, new_cart, event_count
):
    cart_id = _forged_tea_cart(new_cart)
    client_name, url = READ_PATHS[path]

    assert request.getfixturevalue(client_name).get(url.format(cart_id)).status_code == 200

    command_is_refused(as_owner, cart_id, event_count)


def test_a_broken_chain_is_recorded_once_however_often_it_is_read(as_owner, shop_client, new_cart):
    cart_id = _forged_tea_cart(new_cart)

    for _ in range(3):
        reads_as_broken(as_owner, shop_client, cart_id)

    recorded = Breach.objects.filter(stream_id=repository.stream_id(cart_id))
    assert [b.problem for b in recorded] == [recorded.get().problem]
    assert "version 2" in recorded.get().problem


def test_a_merge_from_a_guest_cart_with_a_forged_price_writes_to_neither_cart(
    new_cart, meta, event_count
):
    target = new_cart(("MUG-001", 1))
    guest = handle(CreateCart(), Context.system(meta)).cart.id
    handle(AddItem(cart_id=guest, sku="TEA-001", quantity=2), Context.system(meta))
    seals.seal_new_events()
    _edit_price(guest, version=2)
    before = event_count()

    with pytest.raises(errors.CartIntegrityFailed):
        handle(MergeCarts(source_cart_id=guest, target_cart_id=target), Context.system(meta))

    assert event_count() == before
    assert repository.load(guest).status == "open"


def test_every_read_path_agrees_on_an_edit_made_before_the_snapshot(
    as_owner, shop_client, auditor_client, new_cart, settings, event_count
):
    cart_id = _long_cart(new_cart, settings)
    _edit_price(cart_id, version=3)

    served = reads_as_broken(as_owner, shop_client, cart_id)
    timeline = auditor_client.get(f"/admin/carts/cart/{cart_id}/timeline/").content.decode()
    assert "Integrity check failed" in timeline
    assert any("version 3" in p for p in served["integrity"]["problems"])
    command_is_refused(as_owner, cart_id, event_count)


def test_a_removed_middle_event_answers_integrity_failed_before_verify_events(
    as_owner, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1), ("MUG-001", 1), ("TEA-001", 2))
    tamper(
        "DELETE FROM eventstore_event WHERE stream_id = %s AND version = 3",
        [repository.stream_id(cart_id)],
    )
    before = event_count()

    for command in ("items/", "checkout/"):
        body = {"sku": "TEA-001", "quantity": 1} if command == "items/" else CHECKOUT
        refused = as_owner.post(f"/api/carts/{cart_id}/{command}", body, format="json")
        _refused(refused, event_count, before)
        assert "expected version 3, found 4" in problem_of(refused)["detail"]


def test_a_checkout_removed_with_its_seal_records_is_seen_by_every_interface(
    as_owner, shop_client, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 2))
    bought = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    assert bought.status_code == 200
    seals.seal_new_events()
    stream = repository.stream_id(cart_id)
    tamper("DELETE FROM eventstore_sealedstream WHERE stream_id = %s", [stream])
    tamper(
        "DELETE FROM eventstore_event WHERE stream_id = %s AND event_type = %s",
        [stream, "cart.CartCheckedOut"],
    )

    # The command's tail read sees it before anything was read or verified ...
    command_is_refused(as_owner, cart_id, event_count)
    served = reads_as_broken(as_owner, shop_client, cart_id)
    assert served["status"] == "open"
    assert any("no seal records the stream" in p for p in served["integrity"]["problems"])
    # ... and verify_events names the cart's stream, from the heads the seal authenticates.
    with pytest.raises(CommandError, match=stream):
        call_command("verify_events")


def test_deleted_breach_rows_are_recorded_again_by_the_next_read(
    as_owner, shop_client, new_cart, event_count
):
    cart_id = _forged_tea_cart(new_cart)
    reads_as_broken(as_owner, shop_client, cart_id)
    tamper("DELETE FROM eventstore_breach")
    total = as_owner.get(f"/api/carts/{cart_id}/").json()["total"]

    assert Decimal(total) == Decimal("0.02")  # what the forged rows replay to, flagged
    command_is_refused(as_owner, cart_id, event_count)


def test_a_stranger_gets_404_for_a_tampered_cart_exactly_as_for_a_missing_one(
    as_owner, as_other, new_cart, event_count
):
    from uuid import uuid4

    cart_id = _forged_tea_cart(new_cart)
    as_owner.get(f"/api/carts/{cart_id}/")  # a read records the breach
    before = event_count()
    body = {"sku": "TEA-001", "quantity": 1}
    theirs = as_other.post(f"/api/carts/{cart_id}/items/", body, format="json")
    missing = as_other.post(f"/api/carts/{uuid4()}/items/", body, format="json")
    assert theirs.status_code == missing.status_code == 404
    assert problem_of(theirs)["code"] == problem_of(missing)["code"] == "cart_not_found"
    assert event_count() == before


def test_a_checkout_is_refused_when_the_sealed_head_rows_were_rewritten_to_match_an_edit(
    as_owner, new_cart, event_count
):
    from tests.tampering import recompute_chain

    cart_id = _forged_tea_cart(new_cart)
    stream = repository.stream_id(cart_id)
    recompute_chain(stream)
    head = Event.objects.filter(stream_id=stream).order_by("-version").first()
    assert head is not None
    # The per-stream index of the seals now agrees with the forged chain; the seal does not.
    tamper(
        "UPDATE eventstore_sealedstream SET last_hash = %s WHERE stream_id = %s",
        [head.hash, stream],
    )
    before = event_count()
    checkout = as_owner.post(f"/api/carts/{cart_id}/checkout/", CHECKOUT, format="json")
    _refused(checkout, event_count, before)
    assert as_owner.get(f"/api/carts/{cart_id}/")["X-Integrity"] == "broken"


def test_a_cart_whose_events_were_removed_cannot_be_opened_again_under_its_id(
    as_integration, new_cart, event_count
):
    cart_id = new_cart(("TEA-001", 1))
    seals.seal_new_events()
    tamper("DELETE FROM eventstore_event WHERE stream_id = %s", [repository.stream_id(cart_id)])
    before = event_count()
    again = as_integration.post("/api/carts/", {"cart_id": str(cart_id)}, format="json")
    _refused(again, event_count, before)


def test_a_sealed_cart_opened_again_under_its_id_is_a_plain_conflict(
    as_integration, new_cart, event_count
):
    cart_id = new_cart()
    seals.seal_new_events()
    before = event_count()
    again = as_integration.post("/api/carts/", {"cart_id": str(cart_id)}, format="json")
    assert again.status_code == 409
    assert event_count() == before
    assert problem_of(again)["code"] == "cart_already_exists"


def test_the_timeline_exports_say_when_the_history_failed_its_check(new_cart, auditor_client):
    import csv
    import io

    cart_id = _forged_tea_cart(new_cart)
    exported = auditor_client.get(f"/admin/carts/cart/{cart_id}/timeline.json").json()
    assert exported["integrity"]["status"] == "broken"
    assert exported["integrity"]["problems"]
    text = auditor_client.get(f"/admin/carts/cart/{cart_id}/timeline.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(row["history_integrity"].startswith("broken: ") for row in rows)
