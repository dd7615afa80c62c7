"""manage.py rotate_personal_data_key: re-wrap every data key with the current master key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from eventstore import master_keys, personal


class Command(BaseCommand):
    help = (
        "Re-wrap every personal data key with the first of PERSONAL_DATA_KEYS (the current "
        "master key). Run after putting a new master key first and keeping the old one after "
        "it; then the old one can be dropped. No event is touched."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changed = personal.rewrap_all()
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None
        self.stdout.write(
            f"{changed} data key(s) re-wrapped with master key {master_keys.current_id()}; "
            "every key is now wrapped by it, so older master keys can be removed."
        )
