"""Housekeeping: Idempotency-Key answers are forgotten after the keep window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from carts import tasks
from carts.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _record(user, key: str, age: timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        user=user,
        key=key,
        method="POST",
        path="/api/carts/",
        request_hash="0" * 64,
        status_code=201,
        response_body={},
    )
    # created_at is set on insert (auto_now_add); age it with an update, as time would.
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


def test_records_older_than_the_window_are_pruned_and_newer_ones_kept(settings, monkeypatch):
    settings.API_IDEMPOTENCY_KEEP_HOURS = 24
    monkeypatch.setattr(tasks, "PRUNE_BATCH", 2)  # several batches
    user = get_user_model().objects.create_user("keeper")
    old = [_record(user, f"old-{n}", timedelta(hours=25 + n)) for n in range(5)]
    fresh = _record(user, "fresh", timedelta(hours=23))

    assert tasks.prune_idempotency_records() == len(old)

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [fresh.key]


def test_a_pruned_key_runs_again_as_a_new_command(settings, catalog, event_count):
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user("retrier")
    client = APIClient()
    client.force_authenticate(user)
    first = client.post("/api/carts/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    assert tasks.prune_idempotency_records() == 1
    again = client.post("/api/carts/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert again.status_code == first.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert event_count() == 2
