"""Browser tests: headless Chromium (Debian's package) driven by Playwright against live_server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it (counting events, seeding) are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium, with nothing that reaches out to the network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-gpu",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(autouse=True)
def _bounded_waits(page) -> None:  # type: ignore[no-untyped-def]
    # A step that cannot happen fails within seconds instead of the default 30 s per action.
    page.set_default_timeout(10_000)


# Each violation of the Content-Security-Policy, reported to the console where the test hears it.
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  `CSP violation on ${location.pathname}: ${e.violatedDirective} blocked ${e.blockedURI}`
  + ` at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));"""


@pytest.fixture(autouse=True)
def _no_policy_violation(page) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Every browser test also fails if the Content-Security-Policy blocked anything on any page
    it saw: a policy that breaks an htmx update or a button is a defect like any other."""
    violations: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: violations.append(m.text) if "CSP violation" in m.text else None)
    yield
    assert violations == []


@pytest.fixture
def shop(live_server, committed_db) -> Iterator[str]:
    """The live shop's base URL, with the tea-shop demo data; emptied afterwards."""
    from carts.application import demo

    demo.seed()
    yield live_server.url


@pytest.fixture
def screenshot(page):  # type: ignore[no-untyped-def]
    """Save the page as var/screenshots/<name>.png (CI keeps var/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save


def fill_checkout_details(page: Any, fields: dict[str, str]) -> None:
    """Type checkout details into the checkout page's form, as a shopper would."""
    for name, value in fields.items():
        field = page.locator(f"#id_{name}")
        if name == "country":
            field.select_option(value)
        else:
            field.fill(value)
