"""Forgetting a customer: their personal data erased everywhere, their history kept.

The shop's answer to a request for erasure (GDPR art. 17). Events are immutable, so nothing is
rewritten: the data keys their personal values were encrypted under are deleted
(eventstore.personal), and a CustomerForgotten event records who asked, when and why. What is
not in events is cleared here too: the account's name, e-mail and password, its sessions, the
log-in throttle's records of its name, and the API's stored answers about their carts; their
open carts are abandoned, so that nothing new is written for someone who is gone. Totals,
analytics, replay and verification do not change: amounts, SKUs and ids were never personal.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from carts.application import access, selectors
from carts.application.commands import Abandon
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.events import (
    CUSTOMER_STREAM_TYPE,
    CustomerForgotten,
    customer_stream_id,
)
from carts.domain.plain_text import hidden_character, tidied
from carts.models import IdempotencyRecord
from eventstore import personal
from eventstore.store import ANY, append

FORGET_PERMISSION = "eventstore.forget_person"
CUSTOMER_ID = re.compile(r"user:[1-9][0-9]{0,17}|guest:[A-Za-z0-9_-]{1,64}")
REASON_MAX = 500


class ForgetRefused(access.Refused):
    """The person asking may not forget this customer (an interface answers 403)."""

    def __init__(
        self,
        message: str = "Forgetting a customer needs staff status and the 'forget person' "
        "permission.",
    ) -> None:
        Exception.__init__(self, message)
        self.action = access.Action.READ


@dataclass(frozen=True)
class Forgotten:
    """What forgetting did: the keys deleted, the carts concerned, where it was recorded."""

    customer: str
    subjects: tuple[str, ...]
    carts: tuple[UUID, ...]
    keys_deleted: int
    position: int


def may_forget(person: access.Person) -> bool:
    """Whether ``person`` may forget customers: superusers, and staff members holding the
    permission (a permission alone makes nobody staff)."""
    if person.is_system:
        return True
    return person.is_staff and person.has_perm(FORGET_PERMISSION)


def forget_customer(customer: str, *, reason: str, context: Context) -> Forgotten:
    """Erase the personal data of ``customer`` (``user:42`` or ``guest:...``) everywhere.

    Raises ForgetRefused without the permission, for one's own account, and for a staff account
    unless a superuser asks; errors.InvalidCustomer for a malformed id or reason;
    errors.UnknownCustomer when the id names nobody the shop knows. Forgetting someone already
    forgotten deletes nothing more and records it again.
    """
    if not may_forget(context.person):
        raise ForgetRefused()
    if not CUSTOMER_ID.fullmatch(customer or ""):
        raise errors.InvalidCustomer(
            f"customer {customer!r} is not a customer id; send 'user:<id>' or 'guest:<id>'"
        )
    reason = _checked_reason(reason)
    user_id = access.user_pk(customer)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    sessions = _sessions_of(customer)
    _require_may_forget_account(context.person, customer, user, sessions)
    guests = {session.guest for session in sessions if session.guest}
    carts, subjects = _carts_and_subjects(customer, guests)
    if not carts and user is None:
        raise errors.UnknownCustomer(f"no customer {customer}: no account and no cart")
    with transaction.atomic():
        _abandon_open(carts, context)
        deleted = personal.forget(subjects)
        recorded = append(
            customer_stream_id(customer),
            [CustomerForgotten(customer, subjects, carts, reason)],
            expected_version=ANY,
            metadata=context.metadata,
            stream_type=CUSTOMER_STREAM_TYPE,
        )
        _close_account(user)
        Session.objects.filter(session_key__in=[session.key for session in sessions]).delete()
        _clear_stored_answers(carts)
        # Again once committed: a request of this process that raced the deletion may have
        # cached a key the commit has just removed.
        transaction.on_commit(personal.forget_cached_keys)
    return Forgotten(customer, subjects, carts, deleted, recorded.last_position)


def _checked_reason(reason: str) -> str:
    raw = str(reason or "")
    # Plain text only (carts.domain.plain_text), no line breaks: a permanent audit record.
    if hidden_character(raw) is not None:
        raise errors.InvalidCustomer(
            "the reason holds control or invisible characters; write it as plain text"
        )
    text = tidied(raw)
    if not text or len(text) > REASON_MAX:
        raise errors.InvalidCustomer(
            f"give the reason (the request's reference), 1 to {REASON_MAX} characters of text"
        )
    return text


def _require_may_forget_account(
    person: access.Person, customer: str, user: Any, sessions: list[_LiveSession]
) -> None:
    """Nobody forgets themselves, and only a superuser forgets a staff member's account: the
    permission alone must not let its holder lock out those who granted it."""
    if person.is_system:
        return
    if customer == person.user_id or customer == person.guest_id:
        raise ForgetRefused("You cannot forget your own account; ask another staff member.")
    if person.is_superuser:
        return
    # A guest identity of a staff member's signed-in session is theirs, as an account is.
    if user is None:
        signed_in = {session.user_id for session in sessions if session.user_id}
        user_model = get_user_model()
        accounts = list(user_model.objects.filter(pk__in=signed_in)) if signed_in else []
    else:
        accounts = [user]
    if any(account.is_staff or account.is_superuser for account in accounts):
        raise ForgetRefused("Only a superuser may forget a staff member's account.")


@dataclass(frozen=True)
class _LiveSession:
    key: str
    guest: str
    user_id: str


def _sessions_of(customer: str) -> list[_LiveSession]:
    """Every live session of the customer, read in one pass: their account's, or those holding
    their guest identity (with whoever is signed in to them). A signed-in session's guest
    identity is theirs too: the shop showed them its carts as their own."""
    user_id = str(access.user_pk(customer) or "")
    found = []
    for session in Session.objects.iterator():
        data = session.get_decoded()
        guest = str(data.get(access.GUEST_SESSION_KEY, ""))
        signed_in = str(data.get("_auth_user_id", ""))
        if (user_id and signed_in == user_id) or guest == customer:
            found.append(_LiveSession(session.session_key, guest, signed_in))
    return found


def _carts_and_subjects(
    customer: str, guests: set[str]
) -> tuple[tuple[UUID, ...], tuple[str, ...]]:
    """The customer's carts (their own, their live sessions' guest carts, and the guest carts
    merged into them) and every data subject those carts' personal data was stored under: the
    carts' owners (or the cart, for one nobody owned) and the guest identities that acted on
    them, which were the customer's."""
    owned = selectors.owned_cart_ids(customer, *sorted(guests))
    carts = tuple(dict.fromkeys([*owned, *selectors.merged_into(owned)]))
    owners = selectors.owners_of(carts)
    subjects = {customer, *guests, *(owners.get(cart) or f"cart:{cart}" for cart in carts)}
    subjects |= {actor for actor in selectors.actors_on(carts) if actor.startswith("guest:")}
    return carts, tuple(sorted(subjects))


def _abandon_open(carts: tuple[UUID, ...], context: Context) -> None:
    for cart_id in carts:
        try:
            # The shop closes them (whoever asked may hold no right to abandon carts).
            handle(
                Abandon(cart_id=cart_id, reason="customer forgotten"),
                Context.system(context.metadata),
            )
        except errors.CartNotOpen:
            continue


def _close_account(user: Any) -> None:
    """Name, e-mail and password gone; the account kept (inactive) under a name no sign-up can
    take (a colon is not allowed in usernames), so the shop's figures still count it."""
    if user is None:
        return
    _forget_log_in_attempts(user.get_username())
    user_model = get_user_model()
    name = f"forgotten:{user.pk}"
    if user_model.objects.filter(username=name).exclude(pk=user.pk).exists():
        # Someone with the rights to name accounts freely took it: never let that block this.
        name = f"{name}:{secrets.token_hex(8)}"
    user_model.objects.filter(pk=user.pk).update(
        username=name, email="", first_name="", last_name="", is_active=False
    )
    account = user_model.objects.get(pk=user.pk)
    account.set_unusable_password()
    account.save(update_fields=["password"])


def _forget_log_in_attempts(username: str) -> None:
    """The log-in throttle's records of the account's name (django-axes keeps the name typed,
    the client's address and user agent for every failed attempt)."""
    AccessAttempt.objects.filter(username=username).delete()
    AccessFailureLog.objects.filter(username=username).delete()


def _clear_stored_answers(carts: tuple[UUID, ...]) -> None:
    """The API's stored answers (Idempotency-Key replays) about the carts held their details."""
    if not carts:
        return
    about = Q()
    for cart in carts:
        about |= Q(path__contains=str(cart))
    IdempotencyRecord.objects.filter(about).delete()
