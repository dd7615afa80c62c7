"""``manage.py webhooks status | deliver [--follow] [--interval S]``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eventstore.checkpoints import checkpoint_position
from projections.webhooks import delivery
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.tasks import due_subscriptions


class Command(BaseCommand):
    """Show webhook subscriptions, or deliver their due events from this process."""

    help = "Webhooks: status, deliver [--follow] (needed when no Celery broker is configured)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="each subscription's state, position and last error")
        deliver = actions.add_parser("deliver", help="deliver every due event now")
        deliver.add_argument("--follow", action="store_true", help="keep delivering until ^C")
        deliver.add_argument(
            "--interval", type=float, default=1.0, help="seconds between rounds with --follow"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            self._status()
            return
        while True:
            sent = sum(delivery.deliver(each) for each in due_subscriptions())
            if sent or not options["follow"]:
                self.stdout.write(f"delivered {sent} event(s)")
            if not options["follow"]:
                return
            time.sleep(options["interval"])

    def _status(self) -> None:
        for sub in WebhookSubscription.objects.all():
            position = checkpoint_position(sub.checkpoint)
            self.stdout.write(f"{sub.pk}  {sub.status:<7} #{position:<10} {sub.target_url}")
            if sub.paused_reason:
                self.stdout.write(self.style.ERROR(f"  {sub.paused_reason}"))
            elif sub.attempts:
                self.stdout.write(f"  {sub.attempts} failed attempt(s), next {sub.next_attempt_at}")
