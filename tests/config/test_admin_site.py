"""The admin site's own rules, which every model admin follows (Django's own included)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _with_actions(root: User) -> list[tuple[Any, str, str]]:
    """(model, change list URL, first action) of every model admin that offers actions."""
    request = RequestFactory().get("/admin/")
    request.user = root
    found = []
    for model, model_admin in admin.site._registry.items():
        actions = list(model_admin.get_actions(request))
        if actions:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            found.append((model, url, actions[0]))
    return found


@pytest.mark.parametrize("made_up", ["not-an-id", "", "0b6f7c36-3c0a-4a55-9d2c-6a1c7f3f3a1g"])
def test_every_action_refuses_a_selection_of_ids_its_model_cannot_have(
    made_up: str, event_count: Any
) -> None:
    root = User.objects.create_superuser("root", password="x")
    client = Client(raise_request_exception=False)
    client.force_login(root)
    before = event_count()
    lists = _with_actions(root)
    assert len(lists) >= 4  # users, groups, projections, webhook subscriptions and deliveries
    for model, url, action in lists:
        body = {"action": action, "_selected_action": [made_up, "1"], "index": "0"}
        response = client.post(url, body, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        shown = [str(m) for m in response.context["messages"]]
        refused = any("which is not an id of" in m for m in shown)
        # A model whose ids are any text (a projection's name) takes it, and finds no such row.
        assert refused == (not _is_an_id(model, made_up)), (url, shown)
    assert event_count() == before


def _is_an_id(model: Any, value: str) -> bool:
    try:
        model._meta.pk.to_python(value)
    except (ValidationError, ValueError):
        return False
    return True
