"""No personal data or secret in a log line: the filter on every handler (config.log_redaction),
alone and behind real requests that carry e-mail addresses, credentials and passwords."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from config.celery import redact_worker_logs
from config.log_redaction import RedactingFilter, attach_redaction, redact
from tests.config.failing_urls import PERSONAL, TOKEN

SESSION_KEY = "k1w8ts0b3xq9y2v6u5r4e7a0zz1c2d3e"
PASSWORD = "Pu-erh-at-dawn-31"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("order mailed to jane.doe+tea@example.co.uk", "jane.doe+tea@example.co.uk"),
        ("Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "9944b09199c6"),
        ("{'HTTP_AUTHORIZATION': 'Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0'}", "eyJhbGciOi"),
        ('"Authorization": "Basic YWxpY2U6c2VjcmV0"', "YWxpY2U6c2VjcmV0"),
        (f"Cookie: sessionid={SESSION_KEY}; csrftoken=abcdefgh12345678", SESSION_KEY),
        (f"{{'HTTP_COOKIE': 'sessionid={SESSION_KEY}', 'PATH_INFO': '/'}}", SESSION_KEY),
        ("Set-Cookie: sessionid=zzz999yyy888; HttpOnly", "zzz999yyy888"),
        (f"POST username=alice&password={PASSWORD}&next=/", PASSWORD),
        (f'{{"password1": "{PASSWORD}", "username": "alice"}}', PASSWORD),
        ("csrfmiddlewaretoken=Q2hhbmdlLW1l&sku=TEA-001", "Q2hhbmdlLW1l"),
        ("api_key: sk_live_0123456789", "sk_live_0123456789"),
        ("new subscription secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqr"),
    ],
)
def test_redaction_removes_each_kind_of_personal_data_and_secret(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert "[redacted]" in redacted or "[email]" in redacted


def test_redaction_leaves_ordinary_text_alone() -> None:
    text = "cart 3f2a added TEA-001 x2 at position 17; projection cart_summaries caught up"
    assert redact(text) == text


def test_redaction_removes_this_installations_own_secrets_wherever_they_are() -> None:
    record = logging.makeLogRecord({"msg": "key was %s", "args": (settings.SECRET_KEY,)})
    RedactingFilter().filter(record)
    assert settings.SECRET_KEY not in record.getMessage()


def test_a_traceback_and_extra_fields_are_redacted_too() -> None:
    try:
        raise ValueError(f"no mailbox for {PERSONAL}")
    except ValueError:
        record = logging.makeLogRecord(
            {"msg": "failed", "exc_info": sys.exc_info(), "customer": PERSONAL}
        )
    RedactingFilter().filter(record)
    text = logging.Formatter("%(message)s %(customer)s").format(record)
    assert "Traceback" in text and "ValueError" in text
    assert PERSONAL not in text


def test_a_message_whose_arguments_do_not_fit_is_still_logged() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s and %s", ("one",), None)
    assert RedactingFilter().filter(record) is True
    assert "arguments did not fit" in record.getMessage()


def test_every_configured_handler_carries_the_filter() -> None:
    config = attach_redaction({"handlers": {"console": {}, "file": {"filters": ["other"]}}})
    assert config["handlers"]["console"]["filters"] == ["redact_personal_data"]
    assert config["handlers"]["file"]["filters"] == ["other", "redact_personal_data"]
    configured: Any = settings.LOGGING
    for handler in configured["handlers"].values():
        assert handler["filters"][-1] == "redact_personal_data"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured handlers write (every level from INFO), while the test runs."""
    root = logging.getLogger()
    handlers = [h for h in root.handlers if any(isinstance(f, RedactingFilter) for f in h.filters)]
    assert handlers, "LOGGING configured no handler with the redacting filter"
    stream = io.StringIO()
    previous = [(h, h.setStream(stream)) for h in handlers if isinstance(h, logging.StreamHandler)]
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.setLevel(level)
    for handler, original in previous:
        handler.setStream(original)  # type: ignore[arg-type]


@pytest.mark.urls("tests.config.failing_urls")
def test_requests_carrying_personal_data_and_secrets_leave_none_in_the_log(
    db, settings, log_output: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user(PERSONAL, password=PASSWORD)
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Token {TOKEN}", "Cookie": f"sessionid={SESSION_KEY}"}
    client.get(f"/api/customers/{PERSONAL}/forget/", headers=headers)  # 401, logged with its path
    client.get(f"/carts/{PERSONAL}/", headers=headers)  # 404, logged with its path
    client.get("/crash/", headers=headers)  # 500: its message holds the address and the token
    client.post("/accounts/login/", {"username": PERSONAL, "password": "not-" + PASSWORD})
    client.post("/accounts/login/", {"username": PERSONAL, "password": PASSWORD})

    written = log_output.getvalue()
    captured = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    # The requests were logged, so the test looks where the data would be.
    assert "Unauthorized: /api/customers/[email]/forget/" in written
    assert "Not Found: /carts/[email]/" in written
    assert "Internal Server Error: /crash/" in written and "RuntimeError" in written
    for secret in (PERSONAL, TOKEN, SESSION_KEY, PASSWORD, settings.SECRET_KEY):
        assert secret not in written
        assert secret not in captured


def test_a_celery_worker_s_own_handlers_get_the_filter_too() -> None:
    # A worker replaces the root logger's handlers with its own (after_setup_logger).
    worker_logger = logging.getLogger("tests.celery-worker")
    handler = logging.StreamHandler(io.StringIO())
    worker_logger.addHandler(handler)
    try:
        redact_worker_logs(logger=worker_logger)
        redact_worker_logs(logger=worker_logger)  # set up twice: filtered once
        assert [type(f) for f in handler.filters] == [RedactingFilter]
    finally:
        worker_logger.removeHandler(handler)
