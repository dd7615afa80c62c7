"""Pages that run scripts, in a real browser under the Content-Security-Policy: Swagger UI at
/api/docs/ and the admin's projections dashboard (every browser test also fails on a violation,
see conftest)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Dialog, Page, expect

pytestmark = pytest.mark.browser


def test_swagger_ui_lists_every_operation_and_expands_one(page: Page, shop: str) -> None:
    page.goto(shop + "/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_the_rebuild_button_asks_first_and_rebuilds_only_when_confirmed(
    page: Page, shop: str
) -> None:
    get_user_model().objects.create_superuser("csp-root", password="steep-and-pour-9")
    page.goto(shop + "/admin/login/?next=/admin/projections/dashboard/")
    page.get_by_label("Username").fill("csp-root")
    page.get_by_label("Password").fill("steep-and-pour-9")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#projections")).to_be_visible()
    asked: list[str] = []
    answers = [False, True]

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    rebuild = page.locator("#projection-cart_summaries button", has_text="Rebuild")
    rebuild.click()
    expect(page.locator(".messagelist")).to_have_count(0)
    rebuild.click()
    expect(page.locator(".messagelist")).to_contain_text("Rebuild of cart_summaries enqueued")
    assert asked == ["Rebuild cart_summaries from the first event?"] * 2
