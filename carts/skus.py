"""SKUs as identifiers that go into URLs: the pattern a new one must follow, and how any stored
one still travels in a URL.

A SKU is part of the shop's and the API's URLs (``/products/<sku>/``,
``/api/carts/<id>/items/<sku>/``), so a new product's SKU is held to a pattern of URL-safe
characters (RFC 3986's unreserved set without ``~``). SKUs stored before the pattern existed stay
in the catalog and, above all, in cart events, which are never changed: the URL routes accept
any of them (``/`` included, sent as is or percent-encoded as ``%2F``) so that one odd record
can still be shown, changed and removed, and never breaks a page.

There is no database CHECK constraint for the pattern: a regular expression in a constraint is
backend-specific (SQLite has no REGEXP of its own, so other clients of the file could not write
to the table), and adding it would make the migration fail wherever a legacy row exists. The
database check below reports those rows instead.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator

SKU_MAX_LENGTH = 40
SKU_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}"
SKU_RULE = (
    "A SKU is 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit"
    " (such as TEA-GRN): it is part of the product's web address."
)

sku_validator = RegexValidator(rf"\A{SKU_PATTERN}\Z", SKU_RULE, code="invalid_sku")


def is_valid_sku(sku: str) -> bool:
    """Whether ``sku`` follows SKU_PATTERN (what a new product's SKU must do)."""
    return re.fullmatch(SKU_PATTERN, sku) is not None


class StoredSkuConverter:
    """The ``<sku:...>`` URL converter: any SKU that can be stored, not only SKU_PATTERN.

    Legacy SKUs may hold ``/`` (or spaces, ``?``, ``%``, ...): reversing gives them
    percent-encoded where a URL needs it (``/`` stays a path separator, which this converter
    matches), and a request decoded by the server resolves back to the same SKU. Only NUL is
    left out: the request guard refuses it anyway. (A stored SKU with a ``..`` path segment is
    still routed when sent with ``/`` encoded as ``%2F``, as API clients can; a browser
    following the shop's link would resolve the segment away.)
    """

    regex = r"[^\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
