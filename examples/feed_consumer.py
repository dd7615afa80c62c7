"""Follow the shop's event feed without receiving calls: long polling from a stored checkpoint.

    .venv/bin/python examples/feed_consumer.py --url http://127.0.0.1:8000 \\
        --token "$TOKEN" --checkpoint var/feed-consumer.checkpoint

Asks ``GET /api/events/?after=<checkpoint>&wait=25``: the shop answers as soon as an event
follows the checkpoint (or with an empty page after 25 s), so the consumer hears of an event
within moments without polling in a loop. Each page's events are handled first and its
checkpoint stored after (written to a temporary file, then renamed over the old one), so a crash
repeats at most one page: handling is at least once, and ``event_id`` tells a repeat apart.
Standard library only; copy it and replace ``handle``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

START = "0:0"  # the feed's checkpoint before the first event
WAIT_SECONDS = 25
Fetch = Callable[[str, int], dict[str, Any]]


def load_checkpoint(path: Path) -> str:
    """The stored checkpoint, or the start of the feed when none is stored yet."""
    return path.read_text().strip() if path.exists() else START


def store_checkpoint(path: Path, checkpoint: str) -> None:
    """Replace the stored checkpoint in one step: a crash leaves the old one or the new one."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(checkpoint)
    os.replace(temporary, path)


def handle(event: dict[str, Any]) -> None:
    """What this consumer does with one event: here, print it on one line."""
    print(event["checkpoint"], event["stream_id"], event["event_type"], event["event_id"])


def http_fetch(url: str, token: str) -> Fetch:
    """A fetch of one feed page over HTTP with a DRF token (``Authorization: Token ...``)."""

    def fetch(after: str, wait: int) -> dict[str, Any]:
        query = urllib.parse.urlencode({"after": after, "wait": wait, "limit": 100})
        request = urllib.request.Request(
            f"{url.rstrip('/')}/api/events/?{query}",
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=wait + 10) as response:
            return json.load(response)  # type: ignore[no-any-return]

    return fetch


def follow(
    fetch: Fetch,
    checkpoint_file: Path,
    *,
    on_event: Callable[[dict[str, Any]], None] = handle,
    once: bool = False,
) -> int:
    """Handle every event after the stored checkpoint; with ``once``, stop when caught up.

    Returns how many events were handled. A refused request (4xx, e.g. a stored checkpoint the
    feed does not know) raises urllib.error.HTTPError; the server being away is waited out."""
    handled, pause = 0, 1.0
    while True:
        after = load_checkpoint(checkpoint_file)
        try:
            page = fetch(after, 0 if once else WAIT_SECONDS)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if isinstance(error, urllib.error.HTTPError) and error.code < 500:
                raise
            print(f"feed unavailable ({error}); trying again in {pause:.0f} s", file=sys.stderr)
            time.sleep(pause)
            pause = min(pause * 2, 60.0)
            continue
        pause = 1.0
        for event in page["events"]:
            on_event(event)
            handled += 1
        if page["checkpoint"] != after:
            store_checkpoint(checkpoint_file, page["checkpoint"])
        if once and not page["has_more"]:
            return handled


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a DRF token of a user who may read it")
    parser.add_argument("--checkpoint", type=Path, default=Path("feed-consumer.checkpoint"))
    parser.add_argument("--once", action="store_true", help="stop once caught up")
    args = parser.parse_args(argv)
    try:
        follow(http_fetch(args.url, args.token), args.checkpoint, once=args.once)
    except urllib.error.HTTPError as error:
        print(f"the feed refused the request: {error.code} {error.read()!r}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
