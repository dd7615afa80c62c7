"""Forgetting a customer: their personal data is gone from every table, their history stays."""

from __future__ import annotations

import uuid

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client

from carts.application import forgetting, repository
from carts.application.access import Person
from carts.application.commands import AddItem, CheckOut, CreateCart, MergeCarts
from carts.application.customer_data import customer_data
from carts.application.handler import Context, handle
from carts.domain import errors
from carts.domain.values import CheckoutDetails
from carts.models import IdempotencyRecord
from eventstore.metadata import Metadata
from eventstore.personal import ERASED
from eventstore.store import read_all
from eventstore.verify import verify_stream
from projections import registry as projection_registry
from projections import runner

pytestmark = pytest.mark.django_db

# Distinctive strings, so that finding one anywhere in the database means it leaked.
NAME, EMAIL, STREET = "Ottilie Quennell-Vasz", "ottilie.qv@example.org", "77 Zwyrtle Mews"
IP, AGENT = "198.51.100.77", "QuennellBrowser/9.1"
SECRETS = (NAME, EMAIL, STREET, IP, AGENT, "ottilie")
DETAILS = CheckoutDetails(
    email=EMAIL,
    full_name=NAME,
    address_line1=STREET,
    city="Nowhereville",
    postal_code="NW1 7QQ",
    country="GB",
)


def _context(actor: str, person: Person) -> Context:
    return Context(
        person=person,
        metadata=Metadata(actor=actor, source="ui", client_ip=IP, user_agent=AGENT),
    )


@pytest.fixture
def shopper():
    return get_user_model().objects.create_user("ottilie", email=EMAIL, password="x-Y-z-123456")


@pytest.fixture
def bought(catalog, shopper) -> uuid.UUID:
    """A guest cart with the customer's details, merged into their own at log-in, then bought."""
    guest = Person(guest_id="guest:s3ss10n-7k2m9x")
    as_guest = _context("guest:s3ss10n-7k2m9x", guest)
    guest_cart = handle(CreateCart(), as_guest).cart.id
    handle(AddItem(cart_id=guest_cart, sku="TEA-001", quantity=1), as_guest)
    person = Person(user=shopper, guest_id="guest:s3ss10n-7k2m9x")
    as_shopper = _context(f"user:{shopper.pk}", person)
    cart = handle(CreateCart(), as_shopper).cart.id
    handle(MergeCarts(source_cart_id=guest_cart, target_cart_id=cart), as_shopper)
    handle(CheckOut(cart_id=cart, details=DETAILS), as_shopper)
    IdempotencyRecord.objects.create(
        user=shopper,
        key="k-1",
        method="POST",
        path=f"/api/carts/{cart}/checkout/",
        request_hash="0" * 64,
        status_code=200,
        response_body={"checkout_details": {"email": EMAIL}},
    )
    return cart


def _database_text() -> str:
    """Every row of every table, as text."""
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(found)


def _forget(shopper) -> forgetting.Forgotten:
    staff = Context.system(Metadata(actor="user:999", source="admin"))
    return forgetting.forget_customer(f"user:{shopper.pk}", reason="request #481", context=staff)


def _catch_up() -> None:
    for name in projection_registry.names():
        runner.catch_up(name)


def test_after_forgetting_no_table_holds_their_name_e_mail_address_or_client(shopper, bought):
    _catch_up()
    # A mistyped password: the log-in throttle records the name, the address and the browser.
    shop = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    shop.post("/accounts/login/", {"username": shopper.username, "password": "wrong"})
    assert AccessAttempt.objects.filter(username=shopper.username, ip_address=IP).exists()
    assert NAME in str(customer_data(Person(user=shopper)))
    assert EMAIL in _database_text()  # the account and a stored API answer hold it

    forgotten = _forget(shopper)
    _catch_up()

    text = _database_text()
    assert [secret for secret in SECRETS if secret.lower() in text.lower()] == []
    assert "guest:s3ss10n-7k2m9x" in forgotten.subjects
    assert forgotten.keys_deleted >= 2


def test_forgetting_keeps_totals_replay_and_verification(shopper, bought):
    before = repository.load(bought)

    _forget(shopper)

    after = repository.load(bought)
    assert (after.total, after.status, after.order_number) == (
        before.total,
        before.status,
        before.order_number,
    )
    assert after.details is not None and after.details.email == ERASED
    assert after.details.country == "GB"
    assert verify_stream(repository.stream_id(bought)).breach is None
    assert all(e.metadata.get("client_ip") in (ERASED, None) for e in repository.history(bought))


def test_forgetting_is_recorded_with_who_asked_and_why(shopper, bought):
    forgotten = _forget(shopper)

    recorded = [e for e in read_all().events if e.event_type == "customer.CustomerForgotten"]
    assert len(recorded) == 1
    assert recorded[0].position == forgotten.position
    assert recorded[0].metadata["actor"] == "user:999"
    assert recorded[0].data.reason == "request #481"
    assert bought in recorded[0].data.carts


def test_the_account_is_closed_and_their_stored_api_answers_are_gone(shopper, bought):
    _forget(shopper)

    account = get_user_model().objects.get(pk=shopper.pk)
    assert (account.username, account.email, account.is_active) == (
        f"forgotten:{shopper.pk}",
        "",
        False,
    )
    assert not account.has_usable_password()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    ("customer", "refusal"),
    [
        ("ottilie", errors.InvalidCustomer),
        ("user:0", errors.InvalidCustomer),
        ("user:12345", errors.UnknownCustomer),
        ("guest:nobody-at-all", errors.UnknownCustomer),
    ],
)
def test_a_customer_id_that_names_nobody_is_refused_and_nothing_is_written(
    customer, refusal, event_count
):
    staff = Context.system(Metadata(actor="user:999", source="admin"))
    before = event_count()

    with pytest.raises(refusal):
        forgetting.forget_customer(customer, reason="request #1", context=staff)

    assert event_count() == before


def test_forgetting_needs_a_reason(shopper, bought, event_count):
    staff = Context.system(Metadata(actor="user:999", source="admin"))
    before = event_count()

    with pytest.raises(errors.InvalidCustomer, match="reason"):
        forgetting.forget_customer(f"user:{shopper.pk}", reason="  ", context=staff)

    assert event_count() == before


def test_only_holders_of_the_permission_may_forget(shopper, bought, event_count):
    clerk = get_user_model().objects.create_user("clerk", password="x-Y-z-123456", is_staff=True)
    as_clerk = Context(person=Person(user=clerk), metadata=Metadata(actor="user:5", source="admin"))
    before = event_count()

    with pytest.raises(forgetting.ForgetRefused):
        forgetting.forget_customer(f"user:{shopper.pk}", reason="r", context=as_clerk)

    assert event_count() == before


def test_a_shopper_downloads_every_cart_and_event_of_theirs_in_plain(shopper, bought):
    data = customer_data(Person(user=shopper, guest_id="guest:s3ss10n-7k2m9x"))

    assert data["account"]["email"] == EMAIL
    assert {cart["cart_id"] for cart in data["carts"]} >= {str(bought)}
    payloads = [e["payload"] for cart in data["carts"] for e in cart["events"]]
    assert {"email": EMAIL, "full_name": NAME}.items() <= next(
        p for p in payloads if "full_name" in p
    ).items()
    assert any(e["metadata"].get("client_ip") == IP for c in data["carts"] for e in c["events"])


def test_an_account_named_like_a_forgotten_one_cannot_block_an_erasure(shopper, bought):
    get_user_model().objects.create_user(f"forgotten-{shopper.pk}")
    get_user_model().objects.create_user(f"forgotten_{shopper.pk}")

    _forget(shopper)

    assert get_user_model().objects.get(pk=shopper.pk).username == f"forgotten:{shopper.pk}"


def test_even_the_forgotten_name_itself_taken_does_not_block_an_erasure(shopper, bought):
    get_user_model().objects.create_user(f"forgotten:{shopper.pk}")

    _forget(shopper)

    closed = get_user_model().objects.get(pk=shopper.pk)
    assert closed.username.startswith(f"forgotten:{shopper.pk}:") and not closed.is_active


def test_the_guest_carts_of_their_signed_in_session_are_forgotten_with_them(catalog, shopper):
    from django.contrib.sessions.backends.db import SessionStore

    guest = "guest:0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    as_guest = _context(guest, Person(guest_id=guest))
    earlier = handle(CreateCart(), as_guest).cart.id
    handle(AddItem(cart_id=earlier, sku="TEA-001", quantity=1), as_guest)
    handle(CheckOut(cart_id=earlier, details=DETAILS), as_guest)
    session = SessionStore()
    session.update({"_auth_user_id": str(shopper.pk), "guest_id": guest})
    session.create()

    forgotten = _forget(shopper)

    assert earlier in forgotten.carts and guest in forgotten.subjects
    assert repository.load(earlier).details.email == ERASED  # type: ignore[union-attr]
    assert (
        not type(session).get_model_class().objects.filter(session_key=session.session_key).exists()
    )


def test_open_carts_are_abandoned_and_erased_details_never_check_out(catalog, shopper, meta):
    from carts.application.commands import ProvideCheckoutDetails

    cart = handle(CreateCart(owner_id=f"user:{shopper.pk}"), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart, sku="TEA-001", quantity=1), Context.system(meta))
    handle(ProvideCheckoutDetails(cart_id=cart, details=DETAILS), Context.system(meta))

    _forget(shopper)

    assert repository.load(cart).status == "abandoned"


def test_a_cart_whose_details_were_erased_is_not_checked_out_with_them(catalog, meta):
    from carts.application.commands import ProvideCheckoutDetails

    guest = "guest:erased-details-1"
    cart = handle(CreateCart(owner_id=guest), Context.system(meta)).cart.id
    handle(AddItem(cart_id=cart, sku="TEA-001", quantity=1), Context.system(meta))
    handle(ProvideCheckoutDetails(cart_id=cart, details=DETAILS), Context.system(meta))
    from eventstore import personal

    personal.forget([guest])

    with pytest.raises(errors.CheckoutDetailsMissing, match="erased"):
        handle(CheckOut(cart_id=cart), Context.system(meta))
    assert handle(CheckOut(cart_id=cart, details=DETAILS), Context.system(meta)).cart.status == (
        "checked_out"
    )


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_only_a_superuser_forgets_a_staff_account(shopper, kind, event_count):
    privacy = get_user_model().objects.create_user("privacy", is_staff=True)
    privacy.user_permissions.add(Permission.objects.get(codename="forget_person"))
    colleague = get_user_model().objects.create_user(
        "colleague", is_staff=True, is_superuser=kind == "superuser"
    )
    as_privacy = Context(
        person=Person(user=get_user_model().objects.get(pk=privacy.pk)),
        metadata=Metadata(actor=f"user:{privacy.pk}", source="admin"),
    )
    before = event_count()

    with pytest.raises(forgetting.ForgetRefused, match="superuser"):
        forgetting.forget_customer(f"user:{colleague.pk}", reason="r", context=as_privacy)
    with pytest.raises(forgetting.ForgetRefused, match="own account"):
        forgetting.forget_customer(f"user:{privacy.pk}", reason="r", context=as_privacy)

    assert (
        forgetting.forget_customer(f"user:{shopper.pk}", reason="r", context=as_privacy).customer
        == f"user:{shopper.pk}"
    )
    assert event_count() == before + 1
    assert get_user_model().objects.get(pk=colleague.pk).is_active


def test_the_permission_without_staff_status_forgets_nobody(shopper, event_count):
    holder = get_user_model().objects.create_user("holder")
    holder.user_permissions.add(Permission.objects.get(codename="forget_person"))
    as_holder = Context(
        person=Person(user=get_user_model().objects.get(pk=holder.pk)),
        metadata=Metadata(actor=f"user:{holder.pk}", source="api"),
    )
    before = event_count()

    with pytest.raises(forgetting.ForgetRefused):
        forgetting.forget_customer(f"user:{shopper.pk}", reason="r", context=as_holder)

    assert event_count() == before


@pytest.mark.parametrize("char", ["\u0007", "\u001f", "\u0085", "\n", "\t", "\u200b", "\u202e"])
def test_a_reason_with_control_or_invisible_characters_is_refused(
    shopper, bought, event_count, char
):
    staff = Context.system(Metadata(actor="user:999", source="admin"))
    before = event_count()

    with pytest.raises(errors.InvalidCustomer, match="plain text"):
        forgetting.forget_customer(f"user:{shopper.pk}", reason=f"a{char}b", context=staff)

    assert event_count() == before


def test_the_guest_identity_of_a_superusers_session_needs_a_superuser(catalog, event_count):
    from django.contrib.sessions.backends.db import SessionStore

    root = get_user_model().objects.create_superuser("root-2", password="x-Y-z-123456")
    guest = "guest:abcdef0123456789abcdef0123456789"
    handle(CreateCart(), _context(guest, Person(guest_id=guest)))
    session = SessionStore()
    session.update({"_auth_user_id": str(root.pk), "guest_id": guest})
    session.create()
    privacy = get_user_model().objects.create_user("privacy-2", is_staff=True)
    privacy.user_permissions.add(Permission.objects.get(codename="forget_person"))
    as_privacy = Context(
        person=Person(user=get_user_model().objects.get(pk=privacy.pk)),
        metadata=Metadata(actor=f"user:{privacy.pk}", source="admin"),
    )
    before = event_count()

    with pytest.raises(forgetting.ForgetRefused, match="superuser"):
        forgetting.forget_customer(guest, reason="r", context=as_privacy)

    assert event_count() == before
