from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from carts.models import Product
from eventstore.models import Event
from eventstore.verify import verify_all

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_writes_verifiable_histories(capsys):
    call_command("seed_demo")
    events = Event.objects.count()

    call_command("seed_demo")

    assert "0 carts created, 14 already there" in capsys.readouterr().out
    assert Event.objects.count() == events
    assert Product.objects.filter(active=True).count() >= 20
    assert get_user_model().objects.filter(username="shopper").exists()
    types = set(Event.objects.values_list("event_type", flat=True))
    assert {
        "cart.ItemAdded",
        "cart.ItemRemoved",
        "cart.CartCheckedOut",
        "cart.CartAbandoned",
        "cart.DiscountApplied",
        "cart.ItemQuantityChanged",
    } <= types
    days = {d.date() for d in Event.objects.values_list("recorded_at", flat=True)}
    assert len(days) >= 3
    assert all(report.breach is None for report in verify_all())
