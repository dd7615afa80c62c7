"""Running an action soon after it is asked for, on a thread of its own, coalescing the asks.

After every commit the projections must be woken (a Redis SET NX and, now and then, a Celery
message). Doing that inside the request cost a network round trip per command, about a sixth
of a cart command. A Waker moves it off the caller's path: ``wake()`` only sets a flag, and one
background thread per process runs the action whenever the flag is set. Asks that arrive while
the action runs make it run once more afterwards, so nothing asked for is lost and a burst of
commits costs one or two runs, not one each.

Written here because none of the usual tools fit: Celery itself is what is being woken, a
thread pool would run the action once per ask, and the work is a few lines around a Condition.
What a killed process had not yet done is done by the periodic catch-up.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Waker:
    """Runs ``action`` on a background thread after ``wake()``, once per burst of wakes.

    ``pause`` (seconds) is the least time between the end of one run and the start of the next.
    """

    def __init__(self, action: Callable[[], object], *, name: str, pause: float = 0.0) -> None:
        self._action = action
        self._name = name
        self._pause = pause
        self._reset()
        os.register_at_fork(after_in_child=self._reset)
        atexit.register(self.flush, timeout=2.0)

    def _reset(self) -> None:
        # A fork copies the lock in whatever state another thread left it, and not the thread.
        self._condition = threading.Condition()
        self._wanted = False
        self._busy = False
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for one run of the action; returns at once."""
        with self._condition:
            self._wanted = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._condition.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every wake so far has been served; False when ``timeout`` ran out."""
        with self._condition:
            return self._condition.wait_for(lambda: not (self._wanted or self._busy), timeout)

    def _serve(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._wanted)
                self._wanted, self._busy = False, True
            try:
                self._action()
            except Exception:
                logger.exception("%s failed; the next wake tries again", self._name)
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()
            if self._pause:
                # Wakes meanwhile gather into the next run: under steady load the action runs
                # at most 1/pause times a second instead of after nearly every ask.
                time.sleep(self._pause)
