"""Waiting for the log to move past a checkpoint."""

from __future__ import annotations

import pytest

from eventstore.store import START, RawEvent, append
from eventstore.waiting import wait_for_events


@pytest.mark.django_db
def test_waiting_answers_at_once_whether_the_log_holds_events_past_the_checkpoint(meta):
    assert wait_for_events(START, timeout=0, poll=0) is False
    note = RawEvent("note.Written", {"text": "hi"})
    append("note-1", [note], expected_version="any", metadata=meta)
    assert wait_for_events(START, timeout=0, poll=0) is True


@pytest.mark.django_db
def test_a_checkpoint_the_store_never_handed_out_is_refused():
    with pytest.raises(ValueError, match="malformed checkpoint"):
        wait_for_events("nonsense", timeout=0, poll=0)
