"""Request body parsing for the API: JSON only, in UTF-8, each member once, and never more of
it than the API accepts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from carts.api.errors import PayloadTooLarge, too_large_detail


class RepeatedMember(ValueError):
    """An object names the same member twice (RFC 8259 4: its meaning is then unpredictable)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"the member {name!r} appears more than once in one object; send each member once"
        )


class BoundedJSONParser(JSONParser):
    """JSON parsing that refuses, before anything reads the body:

    - a body over API_MAX_BODY_BYTES with 413 (checked on what is actually read, not only on
      Content-Length, so a chunked or mislabelled body cannot slip past it);
    - a charset other than UTF-8 with 415 ``unsupported_media_type`` naming it;
    - a document that is not strict JSON with 400 ``parse_error``: malformed, NaN or Infinity,
      an integer too long to convert, nested too deeply, or an object (at any depth) naming a
      member twice, which would otherwise be read as its last value.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        refuse_charset_other_than_utf8(media_type)
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(too_large_detail())
        try:
            return json.loads(
                body.decode("utf-8"),
                parse_constant=strict_constant if self.strict else None,
                object_pairs_hook=object_of_distinct_members,
            )
        except ValueError as exc:  # malformed, not UTF-8, NaN, too many digits, a repeated member
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            # Thousands of nested brackets fit in a small body and exhaust the decoder's stack.
            raise ParseError("JSON parse error - the document is nested too deeply") from None


def refuse_charset_other_than_utf8(media_type: str | None) -> None:
    """Raise UnsupportedMediaType (415) when Content-Type names a charset other than UTF-8.

    JSON exchanged between systems is UTF-8 (RFC 8259 8.1): a body labelled latin-1 would be
    decoded differently by every reader, and an unknown charset is not silently ignored.
    """
    if not media_type:
        return
    try:
        _, parameters = parse_header_parameters(media_type)
    except ValueError:  # an RFC 2231 parameter in an encoding Python does not know
        raise UnsupportedMediaType(
            media_type, detail="the Content-Type parameters cannot be read; send application/json"
        ) from None
    charset = parameters.get("charset")
    if charset is not None and charset.lower() != "utf-8":
        raise UnsupportedMediaType(
            media_type,
            detail=f"charset {charset!r} is not accepted: JSON is read as UTF-8 only;"
            " send charset=utf-8 or no charset",
        )


def object_of_distinct_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object json.loads decoded, as a dict; RepeatedMember when a name appears twice."""
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise RepeatedMember(name)
            seen.add(name)
    return found
