"""Personal data in events, encrypted per person, so that a person can be forgotten.

This is crypto-shredding.

Events are immutable and hash-chained, yet a person may have their personal data erased. Each
field an event type declares personal (a ``personal_fields`` tuple on its class, and
``Metadata.personal_fields`` for the client's address and user agent) is stored as
``enc:v1:<key id>:<base64(nonce + AES-256-GCM ciphertext)>`` under a data key of its own
data subject (``user:42``, ``guest:...``), kept in :class:`eventstore.models.PersonalKey`
wrapped by a master key that lives only in the settings (:mod:`eventstore.master_keys`).
Forgetting the person deletes their data keys: every value encrypted under them then reads as
:data:`ERASED`, while the stored rows, and so the hash chain over them, stay as they were.

The associated data of each value binds it to its key and field, so a ciphertext copied into
another field or another person's event does not open. Encryption and decryption are the
``cryptography`` package's AESGCM (NIST SP 800-38D); 96-bit random nonces, one per value.

Reading: an :class:`Opener` lives for one read (a page of the log, a stream) and loads every
key that read needs with one query, on first need; nothing keeps a data key after the read, so
no process shows a forgotten person's data once their keys are gone. Writing caches each
subject's key id and key per process (creating a key costs a write): a key deleted meanwhile
makes values written with it unreadable at once, which is what forgetting asks.
"""

from __future__ import annotations

import binascii
import copy
import os
import re
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from eventstore import master_keys
from eventstore.models import PersonalKey

PREFIX = "enc:v1:"
# What a personal value reads as once its person was forgotten (their key is gone).
ERASED = "[erased]"
# What it reads as when its ciphertext does not open under its key (the row was altered;
# verify_events names the event).
UNREADABLE = "[unreadable]"
_KEY_ID = re.compile(r"enc:v1:([0-9a-f]{32}):")


def is_sealed(value: Any) -> bool:
    """Whether ``value`` is a stored personal value (ciphertext), not plain data."""
    return isinstance(value, str) and value.startswith(PREFIX)


def is_erased(value: Any) -> bool:
    """Whether ``value`` is what an erased personal value reads as."""
    return value == ERASED


# --- writing ---------------------------------------------------------------------------------


def seal_fields(
    values: dict[str, Any], names: Iterable[str], subject: str, *, using: str = DEFAULT_DB_ALIAS
) -> dict[str, Any]:
    """``values`` with each of the fields ``names`` encrypted under ``subject``'s data key.

    Empty strings stay empty (nothing personal to hide, and a reader can tell "not given" from
    "erased"). Raises ValueError without a subject.
    """
    present = [name for name in names if values.get(name) not in ("", None)]
    if not present:
        return values
    if not subject:
        raise ValueError("personal data needs a data subject (e.g. 'user:42') to be stored")
    key_id, aead = _writing_key(subject, using)
    sealed = dict(values)
    for name in present:
        nonce = os.urandom(12)
        text = str(values[name]).encode()
        box = nonce + aead.encrypt(nonce, text, _associated(key_id, name))
        sealed[name] = f"{PREFIX}{key_id}:{binascii.b2a_base64(box, newline=False).decode()}"
    return sealed


# subject and database alias -> (key id, key), for keys known to be committed.
_written_with: dict[tuple[str, str], tuple[str, AESGCM]] = {}


def _writing_key(subject: str, using: str) -> tuple[str, AESGCM]:
    """The subject's newest data key, made now if they have none.

    Kept for the process only once it is known to be committed: a key made inside a
    transaction that then rolls back must never encrypt anything after it.
    """
    cached = _written_with.get((subject, using))
    if cached is not None:
        return cached
    row = PersonalKey.objects.using(using).filter(subject=subject).order_by("-created_at").first()
    if row is not None:
        found = row.key_id.hex, AESGCM(master_keys.unwrap(row.wrapped_key, row.master_key_id))
    else:
        data_key = AESGCM.generate_key(bit_length=256)
        row = PersonalKey(key_id=uuid.uuid4(), subject=subject, **master_keys.wrap_fields(data_key))
        row.save(using=using, force_insert=True)
        found = row.key_id.hex, AESGCM(data_key)
    transaction.on_commit(lambda: _written_with.update({(subject, using): found}), using=using)
    return found


@receiver(setting_changed)
def _forget_cached_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in master_keys.SETTINGS:
        forget_cached_keys()


@receiver(post_migrate)
def _forget_keys_of_flushed_tables(**kwargs: Any) -> None:
    # A flush (tests) or a migration may have emptied the key table.
    forget_cached_keys()


def forget_cached_keys() -> None:
    """Drop this process's cache of data keys (after keys were deleted or re-wrapped)."""
    _written_with.clear()


def _associated(key_id: str, name: str) -> bytes:
    return f"{key_id}:{name}".encode()


# --- reading ---------------------------------------------------------------------------------


class Opener:
    """Opens the personal values of one read, loading the keys it needs in one query.

    Rows register their stored text as they are decoded (cheap); the first value that needs a
    key loads the keys of every registered text at once.
    """

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self._texts: list[str] = []
        self._keys: dict[str, AESGCM | None] = {}

    def register(self, text: Any) -> None:
        if isinstance(text, str) and PREFIX in text:
            self._texts.append(text)

    def open(self, value: Any, name: str) -> Any:
        """The plain value of a stored personal ``value``; ERASED without its key."""
        if not is_sealed(value):
            return value
        key_id, _, box = value[len(PREFIX) :].partition(":")
        aead = self._key(key_id)
        if aead is None:
            return ERASED
        try:
            raw = binascii.a2b_base64(box)
            return aead.decrypt(raw[:12], raw[12:], _associated(key_id, name)).decode()
        except (InvalidTag, ValueError):  # (binascii.Error is a ValueError)
            return UNREADABLE

    def open_fields(self, values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
        """``values`` with the fields ``names`` opened (a new dict when any was sealed)."""
        sealed = [name for name in names if is_sealed(values.get(name))]
        if not sealed:
            return values
        opened = dict(values)
        for name in sealed:
            opened[name] = self.open(values[name], name)
        return opened

    def open_event(self, event: Any, names: tuple[str, ...]) -> Any:
        """The frozen dataclass ``event`` with its personal fields ``names`` opened."""
        opened = None
        for name in names:
            value = getattr(event, name)
            if value.__class__ is str and value.startswith(PREFIX):
                if opened is None:
                    # A shallow copy and a direct set: dataclasses.replace re-runs __init__,
                    # which costs as much as opening a value.
                    opened = copy.copy(event)
                object.__setattr__(opened, name, self.open(value, name))
        return event if opened is None else opened

    def _key(self, key_id: str) -> AESGCM | None:
        if key_id not in self._keys:
            # Most reads meet one person's key (a cart, a page of one busy shopper): the first
            # miss loads just that key; a second miss loads every key the read's texts name,
            # so a read costs at most two key queries and scans its texts only when it must.
            wanted = {key_id}
            if self._keys:
                for text in self._texts:
                    wanted.update(_KEY_ID.findall(text))
                self._texts.clear()
            self._load(wanted - self._keys.keys())
        return self._keys.get(key_id)

    def _load(self, key_ids: set[str]) -> None:
        rows = PersonalKey.objects.using(self.using).filter(
            key_id__in=[uuid.UUID(hex=k) for k in key_ids if len(k) == 32]
        )
        for row in rows.only("key_id", "wrapped_key", "master_key_id"):
            self._keys[row.key_id.hex] = AESGCM(
                master_keys.unwrap(row.wrapped_key, row.master_key_id)
            )
        for key_id in key_ids:
            self._keys.setdefault(key_id, None)


# --- forgetting and rotating -----------------------------------------------------------------


def forget(subjects: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete every data key of ``subjects``; returns how many were deleted.

    From then on every value encrypted under them reads as ERASED, everywhere. Irreversible.
    """
    wanted = sorted({s for s in subjects if s})
    deleted, _ = PersonalKey.objects.using(using).filter(subject__in=wanted).delete()
    forget_cached_keys()
    return deleted


def rewrap_all(*, using: str = DEFAULT_DB_ALIAS, batch: int = 500) -> int:
    """Re-wrap every data key not wrapped by the current master key; returns how many.

    Run after putting a new master key first in PERSONAL_DATA_KEYS (the old one after it);
    events are not touched. Raises ImproperlyConfigured when a key's master key is not set.
    """
    current = master_keys.current_id()
    changed = 0
    stale = PersonalKey.objects.using(using).exclude(master_key_id=current).order_by("key_id")
    while rows := list(stale[:batch]):
        with transaction.atomic(using=using):
            for row in rows:
                data_key = master_keys.unwrap(row.wrapped_key, row.master_key_id)
                fields = master_keys.wrap_fields(data_key)
                PersonalKey.objects.using(using).filter(key_id=row.key_id).update(**fields)
                changed += 1
    forget_cached_keys()
    return changed
