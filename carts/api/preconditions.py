"""HTTP conditional requests over cart versions (RFC 9110 section 13): ETag out, If-Match and
If-None-Match in.

A cart's ETag is its version, a strong tag: ``"3"``. The cart document also says what the
catalog asks now for each line and how the history's integrity check went, which can change
while the version stays, and so can its checkout details (erased when the customer is
forgotten); when any says anything but "as held, intact, not erased", the tag carries a digest
of it (``"3-1f2e3d4c5b6a"``), so a client never keeps a copy that hides a price change, a
retired product, a failed check or an erasure (If-None-Match answers 304 only for the same
digest).
A command's If-Match guards the cart's version, its part before the dash: what a command does
depends on the cart's events, not on that side information. ``If-Match`` on a command uses the
strong comparison (13.1.1): a weak tag (``W/"3"``) never matches, a list matches when any strong
tag in it is the cart's current one, ``*`` matches any existing cart. ``If-None-Match`` on a GET
uses the weak comparison (13.1.2): a match answers 304 Not Modified with the ETag and no body. A
header that is not a list of entity-tags (8.8.3) answers 400 with its own code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import status

from carts.api.errors import ApiProblem

# Published in the OpenAPI document: ``*`` or entity-tags separated by commas. The parser also
# takes what RFC 9110 asks a recipient to accept beyond it (empty list elements, whitespace
# around the value, obs-text bytes 0x80-0xFF in a tag).
_TAG = r'(W/)?"[!#-~]*"'
ENTITY_TAGS_PATTERN = rf"^(\*|{_TAG}([ \t]*,[ \t]*{_TAG})*)$"
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_OWS = " \t"
# The opaque part of an ETag this API hands out: a version, written as the API writes it, and
# the digest of the document's side information when there is any.
_VERSION = re.compile(r"([1-9][0-9]{0,8})(-[0-9a-f]{12})?")


@dataclass(frozen=True)
class EntityTag:
    """One entity-tag (RFC 9110 8.8.3): its opaque part without quotes, and whether weak."""

    opaque: str
    weak: bool = False


@dataclass(frozen=True)
class Condition:
    """A parsed If-Match or If-None-Match: ``*`` (any current representation) or tags."""

    any: bool
    tags: tuple[EntityTag, ...] = ()

    def matches_strongly(self, current: EntityTag) -> bool:
        """RFC 9110 13.1.1: both tags strong and character-for-character equal, or ``*``."""
        return self.any or (
            not current.weak and any(not t.weak and t.opaque == current.opaque for t in self.tags)
        )

    def matches_weakly(self, current: EntityTag) -> bool:
        """RFC 9110 13.1.2: the opaque parts equal, whether weak or not, or ``*``."""
        return self.any or any(tag.opaque == current.opaque for tag in self.tags)


def parse_condition(value: str, *, header: str) -> Condition:
    """``*`` or ``#entity-tag`` (RFC 9110 8.8.3, list syntax of 5.6.1) from header ``header``.

    Written here because the parsers at hand are lenient where a precondition must not be:
    Django's ``parse_etags`` splits inside tags at commas (``etagc`` allows them) and silently
    drops whatever does not parse, which would turn a malformed header into "no tag matched"
    (412) or into no precondition at all. Raises a 400 problem (``invalid_if_match`` or
    ``invalid_if_none_match``) for anything else, including a header naming no tag at all.
    """
    if value.strip(_OWS) == "*":
        return Condition(any=True)
    tags: list[EntityTag] = []
    position, end = 0, len(value)
    while position < end:
        position = _skip(value, position, _OWS + ",")
        if position == end:
            break
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            raise _malformed(value, header)
        tags.append(EntityTag(opaque=match.group(2), weak=match.group(1) is not None))
        position = _skip(value, match.end(), _OWS)
        if position < end and value[position] != ",":
            raise _malformed(value, header)
    if not tags:
        raise _malformed(value, header)
    return Condition(any=False, tags=tuple(tags))


def _skip(value: str, position: int, characters: str) -> int:
    while position < len(value) and value[position] in characters:
        position += 1
    return position


def _malformed(value: str, header: str) -> ApiProblem:
    return ApiProblem(
        f"{header} must be '*' or entity-tags separated by commas, as the ETag header gives"
        f' them (e.g. \'"3"\' or \'"3", "4"\'), not {value[:40]!r}',
        status_code=status.HTTP_400_BAD_REQUEST,
        code="invalid_" + header.lower().replace("-", "_"),
    )


def etag(version: int, document: Mapping[str, Any] | None = None) -> str:
    """The ETag of a cart at ``version`` whose cart document is ``document``: ``"<version>"``,
    or ``"<version>-<12 hex>"`` when the document's lines, integrity or checkout details say
    more than the version does (a catalog price other than the held one, a product no longer
    sold, a history that failed its check, details erased)."""
    side = _side_information(document or {})
    if side is None:
        return f'"{version}"'
    digest = hashlib.sha256(json.dumps(side, sort_keys=True).encode()).hexdigest()[:12]
    return f'"{version}-{digest}"'


def _side_information(document: Mapping[str, Any]) -> dict[str, Any] | None:
    lines = [
        [line["sku"], line["catalog_price"], line["price_changed"], line["available"]]
        for line in document.get("lines", ())
        if line.get("price_changed") or not line.get("available", True)
    ]
    integrity = document.get("integrity") or {"status": "intact", "problems": []}
    erased = bool((document.get("checkout_details") or {}).get("erased"))
    if not lines and integrity["status"] == "intact" and not integrity["problems"] and not erased:
        return None
    side: dict[str, Any] = {"lines": lines, "integrity": integrity}
    # Forgetting the customer changes what the cart shows, not its version: a copy held from
    # before must not be confirmed as current (304).
    return side | {"erased": True} if erased else side


def expected_version(
    value: str | None, *, current_tag: Callable[[], str] | None = None
) -> int | frozenset[int] | None:
    """The version(s) an If-Match header value accepts, or None without it (or with ``*``).

    Only strong tags count (RFC 9110 13.1.1), so ``W/"3"`` or a tag this API never hands out
    accepts no version at all: the handler then refuses the command (412) once it has found the
    cart, as for a stale version. A tag with a digest (``"3-1f2e3d4c5b6a"``) counts only when
    it is, character for character, the tag the cart has now: ``current_tag`` gives its opaque
    part, asked only when such a tag is sent. Raises a 400 problem (``invalid_if_match``) for a
    malformed header.
    """
    if value is None:
        return None
    condition = parse_condition(value, header="If-Match")
    if condition.any:
        return None
    versions: set[int] = set()
    for tag in condition.tags:
        match = None if tag.weak else _VERSION.fullmatch(tag.opaque)
        if match is None:
            continue
        if match.group(2) and (current_tag is None or tag.opaque != current_tag()):
            continue
        versions.add(int(match.group(1)))
    return next(iter(versions)) if len(versions) == 1 else frozenset(versions)
