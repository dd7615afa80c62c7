"""Data migrations of the carts app."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from eventstore.metadata import Metadata
from eventstore.store import NO_STREAM, RawEvent, append

end_sessions = importlib.import_module("carts.migrations.0007_end_sessions_recorded_in_events")


def test_sessions_whose_keys_the_log_recorded_stop_being_credentials(db) -> None:
    recorded, untouched = SessionStore(), SessionStore()
    recorded["cart_id"] = "x"
    untouched["cart_id"] = "y"
    recorded.save()
    untouched.save()
    append(
        "cart-legacy",
        [RawEvent("cart.CartCreated", {"cart_id": "legacy", "owner_id": "", "currency": ""})],
        expected_version=NO_STREAM,
        metadata=Metadata(actor=f"guest:{recorded.session_key}", source="ui"),
    )
    end_sessions.end_recorded_sessions(apps, None)
    assert not Session.objects.filter(session_key=recorded.session_key).exists()
    assert Session.objects.filter(session_key=untouched.session_key).exists()
