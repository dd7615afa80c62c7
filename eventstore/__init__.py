"""An append-only event store on Django: streams of immutable events and a gap-free global log.

The public API: :mod:`eventstore.store` (append, and re-exports of the reads),
:mod:`eventstore.streams` (one stream: now, at a version, at a moment, its first event, its
events or their data) and :mod:`eventstore.log` (read_all, the global log), with the event type
registry in :mod:`eventstore.registry` and snapshots in :mod:`eventstore.snapshots`. Event rows
are decoded in :mod:`eventstore.rows`; what differs per database lives behind the seam in
:mod:`eventstore.backends`.
"""
