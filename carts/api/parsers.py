"""Request body parsing for the API: JSON only, and never more of it than the API accepts."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from carts.api.errors import PayloadTooLarge, too_large_detail


class BoundedJSONParser(JSONParser):
    """JSON parsing that refuses a body over API_MAX_BODY_BYTES with 413 before decoding it.

    The limit is checked on what is actually read, not only on Content-Length, so a chunked or
    mislabelled body cannot slip past it.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(too_large_detail())
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            # Thousands of nested brackets fit in a small body and exhaust the decoder's stack.
            raise ParseError("JSON parse error - the document is nested too deeply") from None
