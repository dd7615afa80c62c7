"""Exporting one cart's audit timeline, every event of it, as CSV (spreadsheet-safe) or JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse

from carts.application import repository
from carts.application.timeline import CartView, TimelineStep
from carts.backoffice.csv_export import csv_response
from carts.backoffice.timeline_views import cart_steps
from eventstore.integrity import StreamIntegrity

CSV_COLUMNS = [
    "position",
    "version",
    "event_type",
    "recorded_at",
    "actor",
    "source",
    "command",
    "correlation_id",
    "causation_id",
    "command_id",
    "client_ip",
    "summary",
    "status_after",
    "subtotal_after",
    "discount_after",
    "total_after",
    "currency",
    "line_changes",
    "payload",
    "event_id",
    "hash",
    "history_integrity",
]


def timeline_csv(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """The timeline as CSV: a row per event with its metadata, the totals after it, its payload,
    and on every row whether the cart's stored history passed its integrity check."""
    steps = cart_steps(request, cart_id)
    verdict = _verdict(repository.integrity(cart_id))
    rows = ({**_csv_row(step), "history_integrity": verdict} for step in steps)
    return csv_response(f"cart-{cart_id}-timeline.csv", CSV_COLUMNS, rows)


def timeline_json(request: HttpRequest, cart_id: UUID) -> HttpResponse:
    """The timeline as JSON: whether the stored history passed its integrity check, and every
    event with payload, metadata, the cart before and after it."""
    steps = cart_steps(request, cart_id)
    integrity = repository.integrity(cart_id)
    document = {
        "cart_id": str(cart_id),
        "integrity": {"status": integrity.status, "problems": list(integrity.problems)},
        "events": [_json_step(step) for step in steps],
    }
    response = JsonResponse(document, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="cart-{cart_id}-timeline.json"'
    return response


def _verdict(integrity: StreamIntegrity) -> str:
    # Every row says it: a spreadsheet filtered down to a few rows must still show it.
    return "intact" if integrity.intact else f"broken: {'; '.join(integrity.problems)}"


def _csv_row(step: TimelineStep) -> dict[str, Any]:
    event, meta = step.event, step.event.metadata
    return {
        "position": event.position,
        "version": event.version,
        "event_type": event.event_type,
        "recorded_at": event.recorded_at.isoformat(),
        "actor": meta.get("actor", ""),
        "source": meta.get("source", ""),
        "command": meta.get("command", ""),
        "correlation_id": meta.get("correlation_id", ""),
        "causation_id": meta.get("causation_id", ""),
        "command_id": meta.get("command_id", ""),
        "client_ip": meta.get("client_ip", ""),
        "summary": step.summary,
        "status_after": step.after.status,
        "subtotal_after": step.after.subtotal,
        "discount_after": step.after.discount,
        "total_after": step.after.total,
        "currency": step.after.currency,
        "line_changes": "; ".join(
            f"{c.kind} {c.sku} {c.quantity_before}->{c.quantity_after}" for c in step.changes
        ),
        "payload": json.dumps(event.payload, sort_keys=True, cls=DjangoJSONEncoder),
        "event_id": event.event_id,
        "hash": event.hash,
    }


def _json_step(step: TimelineStep) -> dict[str, Any]:
    event = step.event
    return {
        "position": event.position,
        "event_id": event.event_id,
        "version": event.version,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "recorded_at": event.recorded_at,
        "summary": step.summary,
        "payload": event.payload,
        "metadata": event.metadata,
        "hash": event.hash,
        "before": _cart_json(step.before),
        "after": _cart_json(step.after),
        "line_changes": [
            {
                "sku": c.sku,
                "name": c.name,
                "kind": c.kind,
                "quantity_before": c.quantity_before,
                "quantity_after": c.quantity_after,
                "unit_price_before": c.unit_price_before,
                "unit_price_after": c.unit_price_after,
            }
            for c in step.changes
        ],
    }


def _cart_json(view: CartView) -> dict[str, Any]:
    money: dict[str, Decimal] = {
        "subtotal": view.subtotal,
        "discount": view.discount,
        "total": view.total,
    }
    return {
        "version": view.version,
        "status": view.status,
        "currency": view.currency,
        "discount_code": view.discount_code,
        "lines": [
            {"sku": x.sku, "name": x.name, "unit_price": x.unit_price, "quantity": x.quantity}
            for x in view.lines
        ],
        **money,
    }
