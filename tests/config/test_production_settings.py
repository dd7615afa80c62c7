"""Settings with DEBUG off, as production runs them: read in a fresh process each time, since
settings are read from the environment once, when the process starts."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from typing import Any

from django.conf import settings

# What production sets (README, "Production settings"); HSTS is its own decision.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "shop.example.com",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}
# Settings that this file reads, so that the machine's own environment cannot change the answer.
READ_HERE = (
    *PRODUCTION,
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    # Set by the browser tests' conftest for their own process; the deploy check refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(args: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    """``python args`` in the project, with ``environment`` over a clean copy of this one's."""
    env = {k: v for k, v in os.environ.items() if k not in READ_HERE}
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(**environment: str) -> dict[str, Any]:
    """The settings a production process would read, with ``environment`` on top."""
    names = [
        "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE", "STORAGES", "EMAIL_BACKEND", "EMAIL_FILE_PATH",
        "SECRET_KEY_FALLBACKS",
    ]  # fmt: skip
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names!r}}}))"
    )
    done = run(["-c", code], **(PRODUCTION | environment))
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_without_a_secret_key_settings_refuse_to_load_naming_the_variable() -> None:
    environment = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    done = run(["-c", "import config.settings"], **environment)
    assert done.returncode != 0
    assert "ImproperlyConfigured: Set the SECRET_KEY environment variable" in done.stderr


def test_the_deploy_check_is_clean_with_production_settings() -> None:
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_deploy_check_asks_for_hsts_only_until_it_is_turned_on() -> None:
    environment = {k: v for k, v in PRODUCTION.items() if not k.startswith("SECURE_HSTS")}
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment)
    assert done.returncode != 0
    assert "(security.W004)" in done.stderr
    assert "identified 1 issue" in done.stderr


def test_outside_debug_cookies_are_secure_http_only_and_same_site() -> None:
    found = production_settings()
    for cookie in ("SESSION", "CSRF"):
        assert found[f"{cookie}_COOKIE_SECURE"] is True
        assert found[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert found[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_outside_debug_mail_without_a_server_goes_to_files_never_to_a_log() -> None:
    # The console backend, printed by a Celery worker, put a customer's name and address in
    # the log.
    found = production_settings()
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"].endswith("/var/mail")
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    assert production_settings(EMAIL_BACKEND=smtp)["EMAIL_BACKEND"] == smtp


def test_earlier_secret_keys_are_read_from_the_environment_for_a_rotation() -> None:
    assert production_settings()["SECRET_KEY_FALLBACKS"] == []
    rotating = production_settings(SECRET_KEY_FALLBACKS="old-key-1, old-key-2")
    assert rotating["SECRET_KEY_FALLBACKS"] == ["old-key-1", "old-key-2"]


def test_static_files_are_served_from_the_collected_manifest_outside_debug() -> None:
    storage = production_settings()["STORAGES"]["staticfiles"]["BACKEND"]
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_behind_a_tls_proxy_its_header_is_trusted_and_the_redirect_can_be_left_to_it() -> None:
    found = production_settings(
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https", SECURE_SSL_REDIRECT="0"
    )
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_SSL_REDIRECT"] is False


def test_make_up_serves_plain_http_with_debug_off() -> None:
    # `make up` on 127.0.0.1 sets these: no redirect to an HTTPS nobody serves, cookies that a
    # plain-HTTP page can keep.
    found = production_settings(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0")
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SESSION_COOKIE_SECURE"] is False and found["CSRF_COOKIE_SECURE"] is False
    assert found["SESSION_COOKIE_HTTPONLY"] is True
