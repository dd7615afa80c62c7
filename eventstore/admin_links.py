"""Links from an event to the page that explains its stream, without knowing what streams hold.

The event store knows nothing of carts (or any other stream type), so each app that owns a kind
of stream registers how to link to its audit page; the event admin asks here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import NoReverseMatch

StreamLink = Callable[[str], str]

_links: dict[str, tuple[str, StreamLink]] = {}


def register_stream_link(stream_type: str, label: str, url_for: StreamLink) -> None:
    """Link every stream of ``stream_type`` to ``url_for(stream_id)``, shown as ``label``."""
    _links[stream_type] = (label, url_for)


def stream_link(stream_type: str, stream_id: str) -> tuple[str, str] | None:
    """The (label, url) of the audit page of one stream, or None when none is registered."""
    found = _links.get(stream_type)
    if found is None:
        return None
    label, url_for = found
    try:
        return label, url_for(stream_id)
    except (NoReverseMatch, ValueError):
        # A stream id the owning app cannot parse has no page; the event itself is still shown.
        return None
