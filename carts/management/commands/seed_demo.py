from typing import Any

from django.core.management.base import BaseCommand

from carts.application.demo import seed


class Command(BaseCommand):
    """Load the demo catalog, users and carts; running it again changes nothing."""

    help = "Create the demo catalog, shoppers and carts with several days of history."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed()
        self.stdout.write(
            f"Demo data ready: {result.products} products, {result.carts_created} carts created, "
            f"{result.carts_existing} already there."
        )
