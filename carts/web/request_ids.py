"""The one rule for the correlation and causation ids a client may send: identifiers, not text.

A client names its request with ``X-Correlation-ID`` (or ``X-Request-ID``). The id is written
into the metadata of every event the request causes, which is permanent, and shown to staff in
the admin and its CSV export. So only a short identifier is accepted: 1 to 100 letters, digits,
``.``, ``_``, ``:`` or ``-``, starting with a letter or digit. A UUID, a ULID or a
``service:request-42`` style id fits; a cell a spreadsheet would evaluate (``=``, ``+``, ``-``,
``@``), markup, whitespace and control characters do not.
"""

from __future__ import annotations

import re

from django.http import HttpRequest

HEADERS = ("X-Correlation-ID", "X-Request-ID")
MAX_LENGTH = 100
# Shared with the OpenAPI document's description of the headers.
ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._:-]{{0,{MAX_LENGTH - 1}}}$"
ALLOWED = (
    f"1 to {MAX_LENGTH} letters, digits, '.', '_', ':' or '-', starting with a letter or digit,"
    " e.g. a UUID"
)


class InvalidRequestId(ValueError):
    """An id that breaks the rule; the message names where it came from and what is allowed."""

    def __init__(self, source: str) -> None:
        super().__init__(f"{source} must be {ALLOWED}")
        self.source = source


def require_id(value: str, *, source: str) -> str:
    """``value`` if it is a valid id (or empty: none given). Raises InvalidRequestId."""
    if value and re.fullmatch(ID_PATTERN, value) is None:
        raise InvalidRequestId(source)
    return value


def client_correlation_id(request: HttpRequest) -> str:
    """The id the client named its request with, or "" if none. Raises InvalidRequestId."""
    # Both headers are checked, not only the one used: a malformed one is a client bug either
    # way, and so is one sent empty.
    given = [(header, request.headers[header]) for header in HEADERS if header in request.headers]
    for header, value in given:
        if not value:
            raise InvalidRequestId(f"the {header} header")
        require_id(value, source=f"the {header} header")
    return given[0][1] if given else ""
