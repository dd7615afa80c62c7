"""Order numbers a customer can read aloud: ``K7M2-9QPD``, distinct from the cart id.

Eight symbols from an alphabet without look-alikes (no 0/O, 1/I/L, nor U), in two groups of
four: about 6.6 x 10^11 numbers, drawn at random so that they say nothing about how many
orders the shop takes. Uniqueness is the database's: each number is reserved by inserting it
(primary key); a collision, rare as it is, draws again.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from django.db import connection
from django.utils import timezone

from carts.models import OrderNumber

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"
ATTEMPTS = 5


def reserve(cart_id: UUID) -> str:
    """A new order number for ``cart_id``, reserved so nobody else gets it.

    Raises RuntimeError if ATTEMPTS draws all collided (which would mean the space is nearly
    full, not bad luck).
    """
    for _ in range(ATTEMPTS):
        number = draw()
        # One statement that inserts nothing on a taken number: no savepoint to recover from an
        # error inside a caller's transaction, and one round trip on a checkout's path.
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE, [number, *_prepared(cart_id)])
            if cursor.fetchone() is not None:
                return number
    raise RuntimeError(f"no free order number after {ATTEMPTS} draws")


def _prepared(cart_id: UUID) -> list[Any]:
    # As the ORM would store them (SQLite keeps a UUID as 32 hex digits, a time as text).
    fields = OrderNumber._meta
    return [
        fields.get_field("cart_id").get_db_prep_value(cart_id, connection),
        fields.get_field("reserved_at").get_db_prep_value(timezone.now(), connection),
    ]


_RESERVE = (
    f"INSERT INTO {OrderNumber._meta.db_table} (number, cart_id, reserved_at)"
    " VALUES (%s, %s, %s) ON CONFLICT (number) DO NOTHING RETURNING number"
)


def draw() -> str:
    """A random number in the shop's format (not reserved)."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{symbols[:4]}-{symbols[4:]}"


def shown(order_number: str, cart_id: UUID) -> str:
    """The number to show for an order: its own, or for an order placed before numbers were
    given, the first eight characters of its cart id (as it was shown then)."""
    return order_number or str(cart_id)[:8]
