"""HTTP conditional requests over cart versions: ETag out, If-Match in."""

from __future__ import annotations

import re

from rest_framework import status
from rest_framework.request import Request

from carts.api.errors import ApiProblem

# Shared with the OpenAPI document, so what it promises is exactly what is accepted.
IF_MATCH_PATTERN = r'^(W/)?"?([0-9]{1,9})"?$|^\*$'
_ETAG = re.compile(IF_MATCH_PATTERN)


def etag(version: int) -> str:
    """The ETag of a cart at ``version``."""
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version If-Match asks for, or None without it (or with ``*``).

    Raises a 400 problem for a header that is not a cart version.
    """
    header = request.headers.get("If-Match")
    if header is None or header == "*":
        return None
    match = _ETAG.fullmatch(header)
    if match is None:
        raise ApiProblem(
            f"If-Match must be the cart's ETag, e.g. '\"3\"', not {header[:40]!r}",
            status_code=status.HTTP_400_BAD_REQUEST,
            code="invalid_if_match",
        )
    return int(match.group(2))
