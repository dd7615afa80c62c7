"""A backup restored into an empty database: every chain, seal and snapshot verifies there, the
read models rebuilt there equal the original's, and a customer forgotten after the backup was
taken is forgotten again once it is restored.

The history holds every kind of record a backup must carry together: events with personal data
(encrypted under data keys, eventstore_personalkey), snapshots (signed), seals and their heads.
The restored database is read by processes of its own (``manage.py verify_events``,
``projections rebuild --all``, tests/faults/read_models.py), as an operator would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from carts.application.commands import (
    Abandon,
    AddItem,
    ApplyDiscount,
    ChangeQuantity,
    CheckOut,
    CreateCart,
    RemoveItem,
)
from carts.application.forgetting import forget_customer
from carts.application.handler import Context, handle
from eventstore import seals
from eventstore.metadata import Metadata
from eventstore.models import Event, PersonalKey, Snapshot
from tests.checkout_details import DETAILS
from tests.faults import backups
from tests.faults.processes import Processes, database_url
from tests.faults.read_models import Rows, as_json, read_model_rows

pytestmark = [pytest.mark.postgres, pytest.mark.faults]


@pytest.fixture(autouse=True)
def postgres_tools() -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{', '.join(missing)} required in CI (postgresql-client)")
        pytest.skip(f"{', '.join(missing)} not installed")


@pytest.fixture
def often_snapshotted(settings) -> None:
    settings.EVENTSTORE_SNAPSHOT_EVERY = 3


def shop(owner: str) -> None:
    """A checked-out order with its details, a discounted cart, and an abandoned one."""
    context = Context.system(Metadata(actor=owner, source="system"))
    ordered = handle(CreateCart(owner_id=owner), context).cart.id
    for sku, quantity in (("TEA-001", 2), ("MUG-001", 1), ("POT-001", 1)):
        handle(AddItem(cart_id=ordered, sku=sku, quantity=quantity), context)
    handle(CheckOut(cart_id=ordered, details=DETAILS), context)
    kept = handle(CreateCart(owner_id=owner), context).cart.id
    for step in (
        AddItem(cart_id=kept, sku="TEA-001", quantity=3),
        AddItem(cart_id=kept, sku="MUG-001", quantity=2),
        ChangeQuantity(cart_id=kept, sku="TEA-001", quantity=5),
        ApplyDiscount(cart_id=kept, code="WELCOME10"),
        RemoveItem(cart_id=kept, sku="MUG-001"),
    ):
        handle(step, context)
    left = handle(CreateCart(owner_id=owner), context).cart.id
    handle(AddItem(cart_id=left, sku="POT-001", quantity=1), context)
    handle(Abandon(cart_id=left, reason="ticket 12"), context)


def verified(output: str) -> tuple[str, str]:
    """verify_events' verdict ("OK: N streams, ...") and newest seal, from what it printed."""
    verdict = re.search(r"^OK: .*$", output, re.MULTILINE)
    newest = re.search(r"^Newest seal: (\d+:[0-9a-f]{64})", output, re.MULTILINE)
    assert verdict and newest, output
    return verdict[0], newest[1]


def rows_in(processes: Processes, url: str, first: str) -> Rows:
    """The read models of the database at ``url`` once ``first`` (rebuild, catch-up) ran, as a
    process of its own reads them."""
    reader = (sys.executable, "-m", "tests.faults.read_models", first)
    output = processes.run(*reader, env={"DATABASE_URL": url})
    decoded: Rows = json.loads(output.strip().splitlines()[-1])
    return decoded


def test_a_dump_restored_into_an_empty_database_verifies_and_rebuilds_the_same_read_models(
    processes: Processes, shelf, often_snapshotted, tmp_path: Path
):
    for owner in ("user:11", "user:12"):
        shop(owner)
    seals.seal_new_events()
    assert Snapshot.objects.exists() and PersonalKey.objects.exists()
    out = StringIO()
    call_command("verify_events", stdout=out)
    verdict, newest_seal = verified(out.getvalue())
    original = as_json(read_model_rows())
    backup = tmp_path / "ledger.dump"

    backups.dump(database_url(), backup)
    with backups.restored(backup, next_to=database_url(), name=_restored_name()) as url:
        restored = {"DATABASE_URL": url}
        checked = processes.run(
            sys.executable, "manage.py", "verify_events", "--anchor", newest_seal, env=restored
        )
        rebuilt = rows_in(processes, url, "rebuild")

    assert verified(checked) == (verdict, newest_seal)
    assert rebuilt == original  # the e-mails too: the data keys came back with the events
    assert DETAILS.email in {row["contact_email"] for row in rebuilt["cart_summaries"]}


def test_a_customer_forgotten_after_the_backup_is_forgotten_again_once_it_is_restored(
    processes: Processes, shelf, tmp_path: Path
):
    alice = User.objects.create_user("alice")
    shop(f"user:{alice.pk}")
    backup = tmp_path / "before-forgetting.dump"
    backups.dump(database_url(), backup)
    taken_at = timezone.now()
    forget_customer(
        f"user:{alice.pk}",
        reason="ticket 4711",
        context=Context.system(Metadata(actor="system", source="system")),
    )
    forgotten_since = [
        event.payload["customer"]
        for event in Event.objects.filter(
            event_type="customer.CustomerForgotten", recorded_at__gt=taken_at
        )
    ]

    with backups.restored(backup, next_to=database_url(), name=_restored_name()) as url:
        restored = {"DATABASE_URL": url}
        resurrected = _emails(rows_in(processes, url, "rebuild"))
        for customer in forgotten_since:  # the README's step after any restore
            processes.run(
                sys.executable, "manage.py", "forget_customer", customer,
                "--reason", "again after restoring an older backup (ticket 4711)", env=restored,
            )  # fmt: skip
        after = _emails(rows_in(processes, url, "catch-up"))

    assert forgotten_since == [f"user:{alice.pk}"]
    assert DETAILS.email in resurrected  # the older keys opened her data again
    assert DETAILS.email not in after
    assert after == _emails(as_json(read_model_rows()))  # as forgotten as in the original


def _emails(rows: Rows) -> set[str]:
    return {row["contact_email"] for row in rows["cart_summaries"]}


def _restored_name() -> str:
    return f"{database_url().rsplit('/', 1)[1]}_restored"
