"""Forgetting a customer: their personal data erased everywhere, their history kept.

The shop's answer to a request for erasure (GDPR art. 17). Events are immutable, so nothing is
rewritten: the data keys their personal values were encrypted under are deleted
(eventstore.personal), and a CustomerForgotten event records who asked, when and why. What is
not in events is cleared here too: the account's name, e-mail and password, its sessions, and
the API's stored answers about their carts. Totals, analytics, replay and verification do not
change: amounts, SKUs and ids were never personal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from carts.application import access, selectors
from carts.application.handler import Context
from carts.domain import errors
from carts.domain.events import (
    CUSTOMER_STREAM_TYPE,
    CustomerForgotten,
    customer_stream_id,
)
from carts.models import IdempotencyRecord
from eventstore import personal
from eventstore.store import ANY, append

FORGET_PERMISSION = "eventstore.forget_person"
CUSTOMER_ID = re.compile(r"user:[1-9][0-9]{0,17}|guest:[A-Za-z0-9_-]{1,64}")
REASON_MAX = 500


class ForgetRefused(access.Refused):
    """The person asking may not forget customers (an interface answers 403)."""

    def __init__(self) -> None:
        Exception.__init__(self, "Forgetting a customer needs the 'forget person' permission.")
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
    """Whether ``person`` may forget customers: superusers and holders of the permission."""
    return person.is_system or person.has_perm(FORGET_PERMISSION)


def forget_customer(customer: str, *, reason: str, context: Context) -> Forgotten:
    """Erase the personal data of ``customer`` (``user:42`` or ``guest:...``) everywhere.

    Raises ForgetRefused without the permission; errors.InvalidCustomer for a malformed id or a
    missing reason; errors.UnknownCustomer when the id names nobody the shop knows. Forgetting
    someone already forgotten deletes nothing more and records it again.
    """
    if not may_forget(context.person):
        raise ForgetRefused()
    reason = " ".join(str(reason or "").split())
    if not CUSTOMER_ID.fullmatch(customer or ""):
        raise errors.InvalidCustomer(
            f"customer {customer!r} is not a customer id; send 'user:<id>' or 'guest:<id>'"
        )
    if not reason or len(reason) > REASON_MAX:
        raise errors.InvalidCustomer(
            f"give the reason (the request's reference), 1 to {REASON_MAX} characters"
        )
    carts, subjects = _carts_and_subjects(customer)
    user_id = access.user_pk(customer)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if not carts and user is None:
        raise errors.UnknownCustomer(f"no customer {customer}: no account and no cart")
    with transaction.atomic():
        deleted = personal.forget(subjects)
        recorded = append(
            customer_stream_id(customer),
            [CustomerForgotten(customer, subjects, carts, reason)],
            expected_version=ANY,
            metadata=context.metadata,
            stream_type=CUSTOMER_STREAM_TYPE,
        )
        _clear_account(user)
        _clear_stored_answers(carts)
    return Forgotten(customer, subjects, carts, deleted, recorded.last_position)


def _carts_and_subjects(customer: str) -> tuple[tuple[UUID, ...], tuple[str, ...]]:
    """The customer's carts (their own and the guest carts merged into them) and every data
    subject those carts' personal data was stored under: the carts' owners (or the cart, for
    one nobody owned) and the guest identities that acted on them, which were the customer's."""
    owned = selectors.owned_cart_ids(customer)
    carts = tuple(dict.fromkeys([*owned, *selectors.merged_into(owned)]))
    owners = selectors.owners_of(carts)
    subjects = {customer, *(owners.get(cart) or f"cart:{cart}" for cart in carts)}
    subjects |= {actor for actor in selectors.actors_on(carts) if actor.startswith("guest:")}
    return carts, tuple(sorted(subjects))


def _clear_account(user: object) -> None:
    if user is None:
        return
    user_model = get_user_model()
    pk = user.pk  # type: ignore[attr-defined]
    user_model.objects.filter(pk=pk).update(
        username=f"forgotten-{pk}", email="", first_name="", last_name="", is_active=False
    )
    account = user_model.objects.get(pk=pk)
    account.set_unusable_password()
    account.save(update_fields=["password"])
    for session in Session.objects.filter(expire_date__isnull=False).iterator():
        if session.get_decoded().get("_auth_user_id") == str(pk):
            session.delete()


def _clear_stored_answers(carts: tuple[UUID, ...]) -> None:
    """The API's stored answers (Idempotency-Key replays) about the carts held their details."""
    if not carts:
        return
    about = Q()
    for cart in carts:
        about |= Q(path__contains=str(cart))
    IdempotencyRecord.objects.filter(about).delete()
