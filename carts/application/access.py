"""Who may do what to a cart: the one access policy, asked by every interface.

The shop's views, the API's permission classes, the admin's cart pages and the management
commands all ask this module, and nothing else decides. A person is a signed-in user and/or the
guest identity of their session; a cart is known by its owner (and, for a guest cart merged at
log-in, by the cart it went into).

Roles, as a shop has them:

- guest: the carts of its own session's guest identity (read and shop);
- shopper: their own carts (read and shop), and guest carts merged into them (read);
- auditor, a staff member with ``eventstore.view_event``: reads every cart, changes none;
- operator, with ``carts.act_on_cart``: reads and changes every cart, abandons carts, gives
  goodwill discounts and takes discounts off from the admin;
- integration, a member of the ``integrations`` group: reads and drives every cart (shopping
  commands), opens carts for a shopper, reads the event feed and read models; it cannot abandon
  carts or give goodwill discounts, which are staff decisions;
- superuser: everything.

Webhook subscriptions (projections.webhooks) are managed by superusers, integrations and staff
with the ``projections.change_webhooksubscription`` permission; auditors (and staff with
``projections.view_webhooksubscription``) read them but change none. An integration sees only
the subscriptions it created: another integration's targets and secrets are not its business.

A person who may not read a cart is told it does not exist (404), exactly as for a missing one,
so ids cannot be probed; one who may read it but not do what they asked is refused (403).

The predicates are ``rules`` predicates (composable, each testable alone) kept in a rule set of
our own rather than in Django's authentication backend: a guest is not a user, so the subject of
every rule is a :class:`Person` (user plus session guest identity), not ``request.user``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import rules
from django.core.exceptions import PermissionDenied

from carts.application import repository
from carts.domain import errors

INTEGRATION_GROUP = "integrations"
AUDIT_PERMISSION = "eventstore.view_event"
ACT_PERMISSION = "carts.act_on_cart"
WEBHOOK_VIEW_PERMISSION = "projections.view_webhooksubscription"
WEBHOOK_CHANGE_PERMISSION = "projections.change_webhooksubscription"
USER_PREFIX, GUEST_PREFIX = "user:", "guest:"
# Where a session keeps its guest identity (carts.web.request_context writes it there).
GUEST_SESSION_KEY = "guest_id"


class Action(StrEnum):
    """What a person asks to do to one cart."""

    READ = "read"  # the cart now or in the past, its events, its history pages
    SHOP = "shop"  # add, change, remove, discount codes, checkout
    ABANDON = "abandon"  # close a cart nobody will check out
    GOODWILL = "goodwill"  # a staff discount not tied to a code
    STAFF_DISCOUNT_OFF = "staff_discount_off"  # staff take a cart's discount (code or goodwill) off
    OPEN_FOR_OTHERS = "open_for_others"  # open a cart owned by someone else (not per cart)
    CHOOSE_CART_ID = "choose_cart_id"  # open a cart under an id of one's choosing (not per cart)


@dataclass(frozen=True)
class Person:
    """Who is asking: a user (possibly anonymous) and the guest identity of their session.

    ``guest_id`` is ``guest:<random>`` kept in the server-side session: an identifier, never a
    credential (knowing it grants nothing; holding the session does).
    """

    user: Any = None
    guest_id: str = ""
    is_system: bool = False
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def system(cls) -> Person:
        """The shop itself (idle carts, demo data): every right, no owner id of its own."""
        return cls(is_system=True)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @property
    def user_id(self) -> str:
        """``user:<pk>`` for a signed-in user, else ""."""
        return f"{USER_PREFIX}{self.user.pk}" if self.is_authenticated else ""

    @property
    def owner_ids(self) -> frozenset[str]:
        """Every owner id this person's carts carry (their user id and session guest id)."""
        return frozenset(i for i in (self.user_id, self.guest_id) if i)

    @property
    def own_id(self) -> str:
        """The owner id a new cart of this person gets: the user's, else the guest's."""
        return self.user_id or self.guest_id

    @property
    def is_superuser(self) -> bool:
        return self.is_authenticated and bool(self.user.is_superuser)

    @property
    def is_staff(self) -> bool:
        """Staff status: auditors and operators are staff members (a permission alone is not)."""
        return self.is_authenticated and bool(self.user.is_staff)

    def has_perm(self, permission: str) -> bool:
        return self.is_authenticated and bool(self.user.has_perm(permission))

    def in_group(self, name: str) -> bool:
        # Asked at most once per person and request: the answer is a query.
        key = f"group:{name}"
        if key not in self._cache:
            self._cache[key] = self.is_authenticated and (
                self.user.groups.filter(name=name).exists()
            )
        return self._cache[key]


@dataclass(frozen=True)
class CartFacts:
    """What the policy needs to know of one cart: its id, its owner, where it was merged.

    ``merged_into`` is the cart this one went into at log-in; left as UNKNOWN (when only the
    owner was read, as a command's access check does) it is read only if a rule needs it.
    """

    cart_id: UUID
    owner_id: str
    merged_into: UUID | str | None = field(default="unknown")

    def merged_into_owner(self) -> str:
        """The owner of the cart this one was merged into, "" when it was not merged."""
        target = self.merged_into
        try:
            if target == "unknown":
                target = repository.load(self.cart_id).merged_into
            return repository.owner_of(target) if isinstance(target, UUID) else ""
        except errors.CartNotFound:
            return ""


def user_pk(owner_id: str) -> int | None:
    """The user's primary key in an owner id ``user:<digits>``, or None for anything else.

    Only the canonical spelling counts (no sign, no leading zero): an owner id is compared as a
    string everywhere, so ``user:02`` must not name user 2 here and nobody elsewhere.
    """
    digits = owner_id.removeprefix(USER_PREFIX)
    if owner_id.startswith(USER_PREFIX) and digits.isascii() and digits.isdigit():
        canonical = len(digits) <= 18 and str(int(digits)) == digits
        return int(digits) if canonical else None
    return None


def facts_of(cart: Any) -> CartFacts:
    """The facts of a replayed ``Cart``."""
    return CartFacts(cart_id=cart.id, owner_id=cart.owner_id, merged_into=cart.merged_into)


def facts_of_stream(cart_id: UUID) -> CartFacts:
    """The facts of a cart from its first event alone (its owner never changes).

    Raises carts.domain.errors.CartNotFound for a cart that does not exist.
    """
    return CartFacts(cart_id=cart_id, owner_id=repository.owner_of(cart_id))


# --- predicates (person, cart facts) -----------------------------------------------------------


@rules.predicate
def is_superuser(person: Person, cart: CartFacts | None = None) -> bool:
    return person.is_system or (person.is_authenticated and bool(person.user.is_superuser))


@rules.predicate
def is_auditor(person: Person, cart: CartFacts | None = None) -> bool:
    return person.is_staff and person.has_perm(AUDIT_PERMISSION)


@rules.predicate
def is_operator(person: Person, cart: CartFacts | None = None) -> bool:
    return person.is_staff and person.has_perm(ACT_PERMISSION)


@rules.predicate
def is_integration(person: Person, cart: CartFacts | None = None) -> bool:
    return person.in_group(INTEGRATION_GROUP)


@rules.predicate
def is_owner(person: Person, cart: CartFacts) -> bool:
    # A cart with no owner (a guest cart from before guest identities) belongs to nobody.
    return bool(cart.owner_id) and cart.owner_id in person.owner_ids


@rules.predicate
def merged_into_own_cart(person: Person, cart: CartFacts) -> bool:
    return bool(person.owner_ids) and cart.merged_into_owner() in person.owner_ids


# The owner comes first everywhere: it needs no query, the roles may.
_CART_RULES = rules.RuleSet()
# Who may read any cart, whoever owns it.
_ANY_CART_READERS = is_superuser | is_auditor | is_operator | is_integration
_CART_RULES.add_rule(Action.READ, is_owner | merged_into_own_cart | _ANY_CART_READERS)
_CART_RULES.add_rule(Action.SHOP, is_owner | is_superuser | is_operator | is_integration)
_CART_RULES.add_rule(Action.ABANDON, is_superuser | is_operator)
_CART_RULES.add_rule(Action.GOODWILL, is_superuser | is_operator)
_CART_RULES.add_rule(Action.STAFF_DISCOUNT_OFF, is_superuser | is_operator)


@rules.predicate
def is_webhook_manager(person: Person) -> bool:
    return person.is_staff and person.has_perm(WEBHOOK_CHANGE_PERMISSION)


@rules.predicate
def is_webhook_reader(person: Person) -> bool:
    return person.is_staff and person.has_perm(WEBHOOK_VIEW_PERMISSION)


_WEBHOOK_MANAGERS = is_superuser | is_webhook_manager | is_integration
_WEBHOOK_READERS = _WEBHOOK_MANAGERS | is_auditor | is_webhook_reader
_LOG_READERS = is_superuser | is_auditor | is_integration
_OPENERS_FOR_OTHERS = is_superuser | is_operator | is_integration
_STAFF_CART_READERS = is_superuser | is_auditor | is_operator


# --- the questions interfaces ask ------------------------------------------------------------


def may(person: Person, action: Action, cart: CartFacts) -> bool:
    """Whether ``person`` may do ``action`` to the cart described by ``cart``."""
    return bool(_CART_RULES.test_rule(action, person, cart))


def may_read_log(person: Person) -> bool:
    """Whether ``person`` may read the global event feed and the read models."""
    return bool(_LOG_READERS.test(person))


def may_manage_webhooks(person: Person) -> bool:
    """Whether ``person`` may create, change, rotate, replay and delete webhook subscriptions."""
    return bool(_WEBHOOK_MANAGERS.test(person))


def may_read_webhooks(person: Person) -> bool:
    """Whether ``person`` may list and read webhook subscriptions (never their secrets)."""
    return bool(_WEBHOOK_READERS.test(person))


def webhook_creator_scope(person: Person) -> str | None:
    """Whose subscriptions ``person`` sees: None for every one (staff roles, superusers), else
    only those created by their own user id (an integration)."""
    if (is_superuser | is_auditor | is_webhook_manager | is_webhook_reader).test(person):
        return None
    return person.user_id


def may_read_every_cart(person: Person) -> bool:
    """Whether ``person`` may list and read every cart as staff (the admin's cart pages)."""
    return bool(_STAFF_CART_READERS.test(person))


def may_read_any_cart(person: Person) -> bool:
    """Whether ``person`` may read every cart, whoever owns it (staff roles, integrations)."""
    return bool(_ANY_CART_READERS.test(person))


def may_open_cart_for(person: Person, owner_id: str) -> bool:
    """Whether ``person`` may open a cart owned by ``owner_id`` (their own, or as staff)."""
    return owner_id == person.own_id or bool(_OPENERS_FOR_OTHERS.test(person))


def may_choose_cart_id(person: Person) -> bool:
    """Whether ``person`` may open a cart under an id of their choosing.

    Only those who may open carts for others, and so know every cart anyway: to anyone else
    "that id is taken" would tell whether someone else's cart exists.
    """
    return bool(_OPENERS_FOR_OTHERS.test(person))


class Refused(Exception):
    """The person may read the cart but not do what they asked (an interface answers 403)."""

    def __init__(self, action: Action) -> None:
        self.action = action
        super().__init__(REFUSALS[action])

    def as_permission_denied(self) -> PermissionDenied:
        """Django's 403, carrying this refusal's message for the person refused (the 403 page
        shows an ``explanation``; see config.error_pages)."""
        denied = PermissionDenied(str(self))
        denied.explanation = str(self)  # type: ignore[attr-defined]
        return denied


REFUSALS = {
    Action.READ: "You may not read this cart.",
    Action.SHOP: "You may read this cart but not change it.",
    Action.ABANDON: "Abandoning a cart needs the 'act on cart' permission (an operator).",
    Action.GOODWILL: "A goodwill discount needs the 'act on cart' permission (an operator).",
    Action.STAFF_DISCOUNT_OFF: (
        "Taking a discount off as staff needs the 'act on cart' permission (an operator)."
    ),
    Action.OPEN_FOR_OTHERS: "Only operators, integrations and superusers open carts for others.",
    Action.CHOOSE_CART_ID: (
        "Only operators, integrations and superusers choose a cart's id; leave cart_id out."
    ),
}


def require(person: Person, action: Action, cart: CartFacts) -> None:
    """Pass silently when ``person`` may do ``action``.

    Raises carts.domain.errors.CartNotFound when they may not even read the cart (the same
    answer as for a cart that does not exist), and :class:`Refused` when they may read it but
    not do ``action``.
    """
    if may(person, action, cart):
        return
    if action is Action.READ or not may(person, Action.READ, cart):
        raise errors.CartNotFound(f"no cart {cart.cart_id}")
    raise Refused(action)
