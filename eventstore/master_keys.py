"""The master keys that wrap each person's data key; they never enter the database.

``PERSONAL_DATA_KEYS`` is a list of base64 (standard or URL-safe) 256-bit keys, the first the
current one: new data keys are wrapped with it, and a data key wrapped with any listed key is
unwrapped. Rotation: put a new key first, keep the old one after it, run
``manage.py rotate_personal_data_key`` (which re-wraps every data key, touching no event), then
drop the old key. Unset, a key derived from SECRET_KEY is the current one (fine for a demo, not
for production); the derived keys (of SECRET_KEY and SECRET_KEY_FALLBACKS) always unwrap, after
the configured ones, so setting PERSONAL_DATA_KEYS on a shop that ran without it keeps its
data readable until the rotation command has re-wrapped every key.

Wrapping is AES-256-GCM (``cryptography``'s AESGCM) of the 32-byte data key with a random
nonce and the master key's id as associated data; an id is the first 16 hex digits of the
SHA-256 of the master key, so a row names the key that wrapped it without revealing it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

SETTINGS = frozenset({"PERSONAL_DATA_KEYS", "SECRET_KEY", "SECRET_KEY_FALLBACKS"})
_SALT = "eventstore.master_keys"


def current_id() -> str:
    """The id of the master key new data keys are wrapped with."""
    return next(iter(_keys()))


def wrap_fields(data_key: bytes) -> dict[str, Any]:
    """The PersonalKey columns holding ``data_key`` wrapped by the current master key."""
    key_id = current_id()
    nonce = os.urandom(12)
    box = nonce + AESGCM(_keys()[key_id]).encrypt(nonce, data_key, key_id.encode())
    return {"wrapped_key": base64.b64encode(box).decode(), "master_key_id": key_id}


def unwrap(wrapped: str, master_key_id: str) -> bytes:
    """The data key ``wrapped`` by master key ``master_key_id``.

    Raises ImproperlyConfigured when that master key is not in the settings or does not open it
    (a wrong key was configured under a known id is impossible: ids are the keys' digests).
    """
    master = _keys().get(master_key_id)
    if master is None:
        raise ImproperlyConfigured(
            f"personal data key {master_key_id} is wrapped by a master key that is not in "
            "PERSONAL_DATA_KEYS; add it back (after the current one) and run "
            "rotate_personal_data_key"
        )
    box = base64.b64decode(wrapped)
    try:
        return AESGCM(master).decrypt(box[:12], box[12:], master_key_id.encode())
    except InvalidTag:
        raise ImproperlyConfigured(
            f"a personal data key wrapped by master key {master_key_id} does not open: "
            "its stored row was altered"
        ) from None


@cache
def _keys() -> dict[str, bytes]:
    configured = getattr(settings, "PERSONAL_DATA_KEYS", None) or []
    if isinstance(configured, str):
        configured = [k for k in configured.split(",") if k.strip()]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # The keys derived from SECRET_KEY always unwrap (after the configured ones): setting
    # PERSONAL_DATA_KEYS on a shop that ran without it keeps its data readable, and
    # rotate_personal_data_key then moves every data key to the configured key.
    derived = [salted_hmac(_SALT, "master", secret=s, algorithm="sha256").digest() for s in secrets]
    keys = [_decoded(str(k).strip()) for k in configured] + derived
    found: dict[str, bytes] = {}
    for key in keys:
        found.setdefault(hashlib.sha256(key).hexdigest()[:16], key)
    return found


def _decoded(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "each PERSONAL_DATA_KEYS entry must be 32 random bytes in base64, e.g. from "
            "`openssl rand -base64 32`"
        )
    return key


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in SETTINGS:
        _keys.cache_clear()
