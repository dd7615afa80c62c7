"""The version a command was decided on: If-Match's precondition, checked on the loaded cart."""

from __future__ import annotations

from uuid import UUID

from carts.domain import errors


def require_expected(
    cart_id: UUID, expected: int | frozenset[int] | None, loaded_version: int
) -> None:
    """Raises StaleVersion unless the cart is at the version (or one of those) asked for;
    ``expected`` None asks for none."""
    if expected is None or loaded_version in (
        expected if isinstance(expected, frozenset) else {expected}
    ):
        return
    asked = (
        expected
        if isinstance(expected, int)
        else " or ".join(map(str, sorted(expected))) or "none that could match"
    )
    raise errors.StaleVersion(
        f"cart {cart_id} is at version {loaded_version}, not {asked}; reload it"
    )
