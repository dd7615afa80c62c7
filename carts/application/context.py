"""Who runs a command and why, as the application knows it: the system's own context."""

from __future__ import annotations

from eventstore.metadata import Metadata

# Commands the shop runs by itself (idle carts, demo data) are recorded as the system's.
SYSTEM = Metadata(actor="system", source="system")
