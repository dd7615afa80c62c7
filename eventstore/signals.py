"""Signals sent by the event store."""

from django.dispatch import Signal

# Sent after the transaction that appended events has committed, with ``stream_id``,
# ``stream_type`` and ``positions``. Projections listen to it to schedule their catch-up.
events_committed = Signal()
