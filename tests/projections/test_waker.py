"""The background waker: every wake is served, bursts coalesce, failures do not stop it."""

from __future__ import annotations

import logging
import os
import threading

from projections.waker import Waker


def test_a_wake_runs_the_action_on_another_thread():
    ran_on = []
    waker = Waker(lambda: ran_on.append(threading.get_ident()), name="test-waker")

    waker.wake()

    assert waker.flush()
    assert ran_on and ran_on[0] != threading.get_ident()


def test_wakes_during_a_run_make_exactly_one_more_run():
    started, release, runs = threading.Event(), threading.Event(), []

    def action() -> None:
        runs.append(1)
        started.set()
        release.wait(10)

    waker = Waker(action, name="test-waker")
    waker.wake()
    assert started.wait(10)
    for _ in range(50):
        waker.wake()  # all arrive while the first run is blocked
    release.set()

    assert waker.flush()
    assert len(runs) == 2


def test_a_failing_action_is_logged_and_the_next_wake_runs_again(caplog):
    calls = []

    def action() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("broker down")

    waker = Waker(action, name="test-waker")
    with caplog.at_level(logging.ERROR, logger="projections.waker"):
        waker.wake()
        assert waker.flush()
    waker.wake()

    assert waker.flush()
    assert len(calls) == 2
    assert "test-waker failed" in caplog.text


def test_a_forked_child_starts_its_own_thread():
    read, write = os.pipe()
    waker = Waker(lambda: os.write(write, str(os.getpid()).encode() + b"\n"), name="test-waker")
    waker.wake()
    assert waker.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits
        waker.wake()
        os._exit(0 if waker.flush() else 1)
    _, status = os.waitpid(child, 0)
    os.close(write)
    pids = os.read(read, 100).decode().split()
    os.close(read)

    assert os.waitstatus_to_exitcode(status) == 0
    assert pids == [str(os.getpid()), str(child)]


def test_with_a_pause_wakes_arriving_during_it_gather_into_one_run():
    runs = []
    waker = Waker(lambda: runs.append(1), name="test-waker", pause=0.3)
    waker.wake()
    assert waker.flush()
    for _ in range(3):
        waker.wake()  # the thread is pausing after its first run

    assert waker.flush()
    assert len(runs) == 2
