"""The key that authenticates seals and snapshots, kept outside the database.

A database superuser can rewrite any row and recompute any plain hash, so a hash alone proves
nothing against them. What they cannot do without the application's settings is compute an
HMAC under a key that never enters the database: ``EVENTSTORE_SEAL_KEY``, or by default a key
derived from Django's SECRET_KEY. Rotation works as Django's SECRET_KEY_FALLBACKS do: new
seals and snapshots are signed with the current key, and anything signed with a key listed in
``EVENTSTORE_SEAL_KEY_FALLBACKS`` (or, for the derived key, in SECRET_KEY_FALLBACKS) still
verifies.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

_SALT = "eventstore.keys.seal"
_SETTINGS = {"EVENTSTORE_SEAL_KEY", "EVENTSTORE_SEAL_KEY_FALLBACKS", "SECRET_KEY"}
_SETTINGS |= {"SECRET_KEY_FALLBACKS"}


def sign(message: bytes) -> str:
    """The HMAC-SHA256 of ``message`` under the current key, as 64 hex digits."""
    return hmac.new(_keys()[0], message, hashlib.sha256).hexdigest()


def is_signed(message: bytes, mac: str) -> bool:
    """Whether ``mac`` is the HMAC of ``message`` under the current key or a fallback."""
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), mac)
        for key in _keys()
    )


@cache
def _keys() -> tuple[bytes, ...]:
    # Cached: deriving costs more than the HMAC itself, and a snapshot is checked on every
    # command on a long cart. A change of the settings (tests, a reload) clears the cache.
    configured = getattr(settings, "EVENTSTORE_SEAL_KEY", "")
    fallbacks = [str(k).encode() for k in getattr(settings, "EVENTSTORE_SEAL_KEY_FALLBACKS", [])]
    if configured:
        return (str(configured).encode(), *fallbacks)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return (*(_derived(secret) for secret in secrets), *fallbacks)


def _derived(secret: Any) -> bytes:
    return salted_hmac(_SALT, "seal-key", secret=secret, algorithm="sha256").digest()


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS:
        _keys.cache_clear()
