"""What the command path counts: each command's outcome, conflicts and retries, and how long
appends take (observability.metrics names them).

Each call is an increment in memory (no I/O, no database): the command path stays as fast as
it was. The outcome of a refused command is named by its error's stable code (the same code the
API answers with), so a dashboard can tell ``cart_not_open`` from ``quantity_out_of_range``.
"""

from __future__ import annotations

import functools
from typing import Any

# The module, not its names: access imports the repository, which imports this module.
from carts.application import access
from carts.domain import errors
from observability import metrics

# The version the caller decided on was not the cart's when the command ran.
CONFLICTS = (errors.StaleVersion, errors.ConcurrentModification)
ACCESS_REFUSED = "forbidden"


def count_result(command: str, result: Any) -> None:
    """Count a command that returned: accepted, unchanged (wrote nothing) or replayed."""
    if result.replayed:
        outcome = "replayed"
    elif result.last_position is None:
        outcome = "unchanged"
    else:
        outcome = "accepted"
    _commands(command, outcome, "").inc()


def count_error(command: str, error: BaseException) -> None:
    """Count a command that raised ``error``, as a conflict, a refusal or a failure."""
    _commands(command, *outcome_of(error)).inc()


def outcome_of(error: BaseException) -> tuple[str, str]:
    """(outcome, error) for a command that raised ``error``."""
    if isinstance(error, CONFLICTS):
        return "conflict", error.code
    if isinstance(error, errors.CartError):
        return "refused", error.code
    if isinstance(error, access.Refused):
        return "refused", ACCESS_REFUSED
    return "failed", type(error).__name__


def count_conflict(command: str, *, retried: bool) -> None:
    """An append lost the race for the cart's next version; ``retried`` if decided again."""
    _conflicts(command).inc()
    if retried:
        _retries(command).inc()


# The labelled series, looked up once: prometheus-client's labels() takes the metric's lock and
# checks its arguments on every call, which cost more than the increment itself.
_commands = functools.cache(metrics.COMMANDS.labels)
_conflicts = functools.cache(metrics.COMMAND_CONFLICTS.labels)
_retries = functools.cache(metrics.COMMAND_RETRIES.labels)
