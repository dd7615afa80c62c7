"""Keeping personal data and secrets out of every log line (invariant 8: logs are permanent too).

``RedactingFilter`` is attached to every handler of ``LOGGING`` (``attach_redaction``), so it sees
each record once whichever logger wrote it, and rewrites the record in place before any formatter
(plain or JSON) reads it: the message with its arguments, the formatted traceback, the stack and
every text field added with ``extra=``. What it removes, each replaced by ``[redacted]`` or
``[email]``:

- e-mail addresses;
- the values of Authorization, Cookie and Set-Cookie headers, in any of the shapes they appear in
  (``Authorization: Token ...``, ``'HTTP_COOKIE': '...'``), and bare ``Token``/``Bearer``/``Basic``
  credentials;
- the value of any field named like a secret (password, token, secret, session id, CSRF token,
  API key, signature) in ``name=value``, ``name: value`` and ``"name": "value"`` shapes, and
  webhook signing secrets (``whsec_...``);
- the literal values of this installation's own secrets (``SECRET_KEY`` and its fallbacks, the
  seal and personal-data keys, the SMTP password), wherever they appear.

The traceback is formatted here and kept as ``exc_text`` (which formatters print instead of
formatting it again); ``exc_info`` is then dropped, because a formatter that formats the exception
itself would otherwise print the original, unredacted text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A header's value: to the end of its quotes, or of the line.
HEADERS = re.compile(
    r"""(?P<name>\b(?:HTTP_)?(?:AUTHORIZATION|COOKIE|SET[-_]COOKIE|PROXY[-_]AUTHORIZATION)\b['"]?"""
    r"""\s*[:=]\s*)(?P<quote>['"]?)(?P<value>.+?)(?=(?P=quote)(?:[,}\n]|$)|\n|$)""",
    re.IGNORECASE,
)
CREDENTIAL = re.compile(r"\b(?P<scheme>Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
SECRET_NAMES = (
    r"password\d?|passwd|pwd|secret(?:_key)?|token|access_token|refresh_token|api[-_]?key"
    r"|sessionid|session_key|csrftoken|csrfmiddlewaretoken|x-?csrf-?token|signature|key"
)
SECRET_FIELD = re.compile(
    rf"""(?P<name>\b(?:{SECRET_NAMES})\b['"]?\s*[:=]\s*)(?P<quote>['"]?)"""
    rf"""(?P<value>[^'"&\s,;}}]+)""",
    re.IGNORECASE,
)
WEBHOOK_SECRET = re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+")
REDACTED = "[redacted]"
# Installation secrets shorter than this are not searched for literally: they would match
# ordinary words (and no real key is this short).
MIN_SECRET_LENGTH = 8
SECRET_SETTINGS = (
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "EVENTSTORE_SEAL_KEY",
    "EVENTSTORE_SEAL_KEY_FALLBACKS",
    "PERSONAL_DATA_KEYS",
    "EMAIL_HOST_PASSWORD",
)
# The attributes every LogRecord has; anything else on a record came from ``extra=``.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without e-mail addresses, credentials, secret fields or the given secrets."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = HEADERS.sub(lambda m: f"{m['name']}{m['quote']}{REDACTED}", text)
    text = CREDENTIAL.sub(lambda m: f"{m['scheme']} {REDACTED}", text)
    text = SECRET_FIELD.sub(lambda m: f"{m['name']}{m['quote']}{REDACTED}", text)
    text = WEBHOOK_SECRET.sub(REDACTED, text)
    return EMAIL.sub("[email]", text)


def installation_secrets() -> list[str]:
    """This installation's own secret values (from settings), longest first; [] before setup."""
    from django.conf import settings

    if not settings.configured:
        return []
    values: list[str] = []
    for name in SECRET_SETTINGS:
        value = getattr(settings, name, "")
        values += [value] if isinstance(value, str) else [str(v) for v in value]
    found = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
    return sorted(found, key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Rewrites every record so that no formatter can print personal data or a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = installation_secrets()
        record.msg = redact(_message(record), secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, name, redact(value, secrets))
        return True


def _message(record: logging.LogRecord) -> str:
    # A filter that raised would raise into the code that logged; logging itself reports a
    # message whose arguments do not fit when it formats, and so does this, in the line.
    try:
        return record.getMessage()
    except Exception as error:
        return f"{record.msg!s} (arguments did not fit: {error.__class__.__name__})"


def attach_redaction(logging_config: dict[str, Any]) -> dict[str, Any]:
    """``logging_config`` (a LOGGING dict) with the redacting filter on every handler.

    On the handlers, not the loggers: a logger's filters see only what is logged on that logger,
    a handler's see every record that reaches it, however it propagated.
    """
    filters = logging_config.setdefault("filters", {})
    filters["redact_personal_data"] = {"()": "config.log_redaction.RedactingFilter"}
    for handler in logging_config.get("handlers", {}).values():
        handler_filters = handler.setdefault("filters", [])
        if "redact_personal_data" not in handler_filters:
            handler_filters.append("redact_personal_data")
    return logging_config
