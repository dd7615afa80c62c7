"""With DEBUG off, as `make up` and production run: static files are collected once (collectstatic,
into a temporary STATIC_ROOT here), then every page finds its style sheets and scripts in the
manifest and WhiteNoise serves them, hashed names and all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ASSET = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """STATIC_ROOT after `collectstatic --noinput`, with DEBUG off and the production storage."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(DEBUG=False, STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield root


def assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/api/docs/"])
def test_every_kind_of_page_and_its_assets_are_served(db, collected: Path, path: str) -> None:
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    found = assets(page.content.decode())
    assert found, f"{path} links no static file"
    # Each is the manifest's hashed name (cached for ever), and WhiteNoise serves it.
    for url in found:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "immutable" in answer["Cache-Control"], url


def test_the_swagger_ui_script_and_style_sheet_are_served(db, collected: Path) -> None:
    client = Client()
    html = client.get("/api/docs/").content.decode()
    names = {url.rsplit("/", 1)[-1].split(".")[0] for url in assets(html)}
    assert {"swagger-ui-bundle", "swagger-ui-standalone-preset", "swagger-ui"} <= names
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_a_staff_page_of_the_admin_finds_its_assets(db, collected: Path) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("static-root", password="x"))
    page = client.get("/admin/projections/dashboard/")
    assert page.status_code == 200
    found = assets(page.content.decode())
    assert any("ledger_shop/confirm" in url for url in found)
    assert {client.get(url).status_code for url in found} == {200}


def test_a_compressed_copy_is_served_to_a_client_that_accepts_one(db, collected: Path) -> None:
    client = Client()
    css = next(u for u in assets(client.get("/").content.decode()) if u.endswith(".css"))
    answer = client.get(css, HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200
    assert answer["Content-Encoding"] in {"gzip", "br"}
