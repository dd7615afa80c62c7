"""Exporting a cart's audit timeline: every event, nothing invented."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from uuid import UUID

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from carts.application import repository
from carts.application.commands import AddItem, CreateCart
from carts.application.handler import Context, handle
from eventstore.metadata import Metadata

pytestmark = pytest.mark.django_db


def test_the_csv_export_holds_one_row_per_event_with_its_metadata(
    auditor_client: Client, busy_cart: UUID
) -> None:
    response = auditor_client.get(reverse("admin:carts_cart_csv", args=[busy_cart]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    history = repository.history(busy_cart)
    assert [int(r["position"]) for r in rows] == [e.position for e in history]
    assert [r["event_id"] for r in rows] == [str(e.event_id) for e in history]
    assert [r["event_type"] for r in rows] == [e.event_type for e in history]
    assert [json.loads(r["payload"]) for r in rows] == [e.payload for e in history]
    assert {r["actor"] for r in rows} == {"user:test"}
    assert {r["correlation_id"] for r in rows} == {"corr-test"}
    assert rows[-1]["total_after"] == str(repository.load(busy_cart).total)


def test_the_json_export_holds_every_event_with_payload_metadata_and_states(
    auditor_client: Client, busy_cart: UUID
) -> None:
    response = auditor_client.get(reverse("admin:carts_cart_json", args=[busy_cart]))
    assert response.status_code == 200
    document = json.loads(response.content)
    history = repository.history(busy_cart)
    assert document["cart_id"] == str(busy_cart)
    assert [e["event_id"] for e in document["events"]] == [str(e.event_id) for e in history]
    assert [e["payload"] for e in document["events"]] == [e.payload for e in history]
    assert [e["metadata"] for e in document["events"]] == [e.metadata for e in history]
    assert [e["hash"] for e in document["events"]] == [e.hash for e in history]
    for exported in document["events"]:
        state = repository.load(busy_cart, to_version=exported["version"])
        assert exported["after"]["total"] == str(state.total)
        assert exported["after"]["status"] == state.status
        assert {x["sku"]: x["quantity"] for x in exported["after"]["lines"]} == {
            sku: line.quantity for sku, line in state.lines.items()
        }


@pytest.mark.parametrize("name", ["admin:carts_cart_csv", "admin:carts_cart_json"])
def test_exports_are_refused_to_anyone_but_auditors(
    client: Client, busy_cart: UUID, name: str
) -> None:
    url = reverse(name, args=[busy_cart])
    assert client.get(url).status_code == 302
    client.force_login(User.objects.create_user("shopper", password="x"))
    assert client.get(url).status_code == 302
    # Staff without a role may not read the cart: it answers as a missing one would.
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))
    assert client.get(url).status_code == 404


def test_the_csv_export_neutralises_ids_a_spreadsheet_would_evaluate(
    auditor_client: Client, catalog
) -> None:
    # Events written before ids were checked keep what the client sent: the export is the
    # last place that can stop a formula from running in staff's spreadsheet.
    forged = Metadata(
        actor="user:7",
        source="api",
        correlation_id='=HYPERLINK("http://evil.example","open")',
        causation_id="@SUM(A1)",
        command_id="+cmd|' /C calc'!A0",
    )
    cart_id = handle(CreateCart(owner_id="user:7"), Context.system(forged)).cart.id
    added = replace(forged, command_id="-2+3")
    handle(AddItem(cart_id=cart_id, sku="TEA-001", quantity=2), Context.system(added))
    response = auditor_client.get(reverse("admin:carts_cart_csv", args=[cart_id]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    for row in rows:
        assert row["correlation_id"] == "'" + forged.correlation_id
        assert row["causation_id"] == "'@SUM(A1)"
    assert [row["command_id"] for row in rows] == ["'+cmd|' /C calc'!A0", "'-2+3"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert rows[-1]["total_after"] == "9.00"
