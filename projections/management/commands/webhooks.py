"""``manage.py webhooks status | deliver [--follow] [--interval S]``."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eventstore.checkpoints import checkpoint_position
from projections.webhooks import delivery
from projections.webhooks.models import WebhookSubscription
from projections.webhooks.tasks import due_subscriptions

ROUND = 100


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(0)


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
        # SIGTERM stops as ^C does: the claim in hand is released on the way out (its lease
        # would otherwise keep the subscription waiting after a restart).
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            self._deliver(follow=options["follow"], interval=options["interval"])
        finally:
            signal.signal(signal.SIGTERM, previous)

    def _deliver(self, *, follow: bool, interval: float) -> None:
        # Following, each subscription gets a turn of at most ROUND events, so one with a long
        # backlog (or a slow receiver) does not hold the others back.
        limit = ROUND if follow else 1000
        while True:
            sent = sum(delivery.deliver(each, limit=limit) for each in due_subscriptions())
            if sent or not follow:
                self.stdout.write(f"delivered {sent} event(s)")
            if not follow:
                return
            time.sleep(interval)

    def _status(self) -> None:
        for sub in WebhookSubscription.objects.all():
            position = checkpoint_position(sub.checkpoint)
            self.stdout.write(f"{sub.pk}  {sub.status:<7} #{position:<10} {sub.target_url}")
            if sub.paused_reason:
                self.stdout.write(self.style.ERROR(f"  {sub.paused_reason}"))
            elif sub.attempts:
                self.stdout.write(f"  {sub.attempts} failed attempt(s), next {sub.next_attempt_at}")
