"""An append-only event store on Django: streams of immutable events and a gap-free global log.

The public API lives in :mod:`eventstore.store` (append, read_stream, read_all), with the event
type registry in :mod:`eventstore.registry` and snapshots in :mod:`eventstore.snapshots`.
"""
