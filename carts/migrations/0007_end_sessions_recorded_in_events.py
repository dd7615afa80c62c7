"""End every session whose key the event log recorded as a guest's actor id.

Guests used to be recorded as ``guest:<session key>``: the live value of their session cookie,
now in the permanent log, its feed and its exports. Those entries cannot be removed, so the
sessions they name stop being credentials here: whoever held one starts a fresh session.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_BATCH = 500


def end_recorded_sessions(apps: Any, schema_editor: Any) -> None:
    Event = apps.get_model("eventstore", "Event")
    Session = apps.get_model("sessions", "Session")
    actors = (
        Event.objects.filter(metadata__actor__startswith="guest:")
        .values_list("metadata__actor", flat=True)
        .distinct()
    )
    keys = sorted({str(actor).removeprefix("guest:") for actor in actors.iterator()})
    for start in range(0, len(keys), _BATCH):
        Session.objects.filter(session_key__in=keys[start : start + _BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("carts", "0006_cart_act_permission"),
        ("eventstore", "0002_append_only_guards"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(end_recorded_sessions, migrations.RunPython.noop)]
