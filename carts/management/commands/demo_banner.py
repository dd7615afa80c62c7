from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from carts.application.demo import SHOPPERS, STAFF

BASE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    """Print where the demo lives and how to log in."""

    help = "Print the demo's URLs and logins."

    def handle(self, *args: Any, **options: Any) -> None:
        lines = [
            "",
            "Ledger Shop is starting:",
            f"  shop       {BASE}/",
            f"  your cart  {BASE}/cart/",
            f"  your carts {BASE}/carts/",
            f"  admin      {BASE}/admin/",
            f"  REST API   {BASE}/api/   (docs: {BASE}/api/docs/)",
            "",
            "Demo logins:",
            *(f"  shopper  {name} / {password}" for name, password in SHOPPERS),
        ]
        if settings.DEBUG:
            lines.append(f"  staff    {STAFF[0]} / {STAFF[1]}   (DEBUG only)")
        self.stdout.write("\n".join([*lines, ""]))
