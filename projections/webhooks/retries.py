"""When to try an event again after a failed attempt, and which failures are worth retrying.

The schedule is WEBHOOKS_RETRY_SCHEDULE (seconds after the first, second, ... failure); the
default is Standard Webhooks' reference schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h:
about 28 hours in all, growing roughly exponentially). Each delay is spread by
+/- WEBHOOKS_RETRY_JITTER (a fraction) so that receivers coming back after an outage are not
hit by every sender at the same second.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings

from projections.webhooks.transport import Answer

# Answers worth another attempt: no response (timeout, connection error), Request Timeout,
# Too Early, Too Many Requests, and every server error.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def retryable(answer: Answer) -> bool:
    """Whether a failed attempt may succeed later unchanged; any other failure (a 3xx that is
    not followed, a 4xx such as 400, 401, 404 or 410) is final and pauses the subscription."""
    if answer.status is None:
        return True
    return answer.status in RETRYABLE_STATUSES or answer.status >= 500


def attempts_allowed() -> int:
    """How many attempts an event gets in all: the first, then one per scheduled delay."""
    return 1 + len(settings.WEBHOOKS_RETRY_SCHEDULE)


def delay_after(failures: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait before the next attempt after ``failures`` failed ones (1, 2, ...), jittered.

    Raises IndexError when the schedule has no delay left (the event has failed for good).
    """
    if failures < 1:
        raise IndexError("no attempt has failed yet")
    base = float(settings.WEBHOOKS_RETRY_SCHEDULE[failures - 1])
    spread = float(settings.WEBHOOKS_RETRY_JITTER)
    factor = (rng or _rng).uniform(1 - spread, 1 + spread)
    return timedelta(seconds=max(base * factor, 0.0))


_rng = random.Random()
