"""NATS subjects for events: ``<prefix>.<stream type>.<event type>``, each part one valid token.

NATS splits subjects at dots and gives ``*`` and ``>`` a meaning, and recommends tokens of
letters, digits, ``-`` and ``_``. An event type has a dot of its own (``cart.ItemAdded``), so in
a token every character other than those becomes ``_``: ``cart.ItemAdded`` is published as
``ledger.cart.cart_ItemAdded``. Subscribe to ``ledger.>`` for everything, ``ledger.cart.>`` for
one stream type, ``ledger.*.cart_ItemAdded`` for one event type. Two names that differ only in
such characters share a subject; the body always carries the exact names.
"""

from __future__ import annotations

import re
from functools import cache

_OUTSIDE_TOKEN = re.compile(r"[^A-Za-z0-9_-]")
_PREFIX = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


def token(name: str) -> str:
    """``name`` as one subject token: characters outside ``[A-Za-z0-9_-]`` become ``_``."""
    return _OUTSIDE_TOKEN.sub("_", name) or "_"


def checked_prefix(prefix: str) -> str:
    """``prefix`` if it is one or more tokens joined by dots; raises ValueError naming the fix."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"NATS_SUBJECT_PREFIX {prefix!r} is not a subject prefix: use letters, digits, '-'"
            " and '_', in tokens joined by dots (e.g. 'ledger' or 'shop.events')"
        )
    return prefix


@cache  # a handful of (stream type, event type) pairs, asked once per event published
def subject(prefix: str, stream_type: str, event_type: str) -> str:
    """The subject an event is published on, e.g. ``ledger.cart.cart_ItemAdded``."""
    return f"{prefix}.{token(stream_type)}.{token(event_type)}"
