"""manage.py forget_customer <customer id> --reason "...": erase a customer's personal data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carts.application import access, forgetting
from carts.application.handler import Context
from carts.domain import errors
from eventstore.metadata import Metadata


class Command(BaseCommand):
    help = (
        "Forget a customer (user:<id> or guest:<id>): delete the keys of their personal data, "
        "so it reads as erased everywhere, and record who asked and why. Irreversible."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", help="user:<id> or guest:<id>")
        parser.add_argument("--reason", required=True, help="the request's reference")
        parser.add_argument(
            "--actor",
            default="system",
            help="the staff member who asked, as events record them (user:<id>), or system",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = options["actor"]
        pk = access.user_pk(actor)
        if actor != "system" and not (
            pk and get_user_model().objects.filter(pk=pk, is_staff=True).exists()
        ):
            raise CommandError(f"--actor {actor!r} is neither 'system' nor 'user:<id>' of staff")
        context = Context.system(Metadata(actor=actor, source="system"))
        try:
            done = forgetting.forget_customer(
                options["customer"], reason=options["reason"], context=context
            )
        except errors.CartError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(
            f"Forgot {done.customer}: {done.keys_deleted} key(s) of {len(done.subjects)} "
            f"subject(s) deleted, {len(done.carts)} cart(s) concerned, recorded at position "
            f"{done.position}."
        )
