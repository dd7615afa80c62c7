"""B9: one read model's catch-up split over 1 and 2 worker processes, on two shards.

The log is copied in (as for B5); each run claims a fresh two-shard generation of
``cart_summaries`` (projections.rebuild.start) and catches it up from the start of the log:
with one worker, one process takes shard 0 and then shard 1; with two, each process takes one
shard at the same time, as two Celery workers competing for the shards' tasks would. Each child
reports when it began and ended its work (after Django's start-up); the rate is the log's events
over the span from the first start to the last end. The target is the issue's: two workers at
least 1.6 times one, on this two-core machine, the database included.

Run as ``python -m bench.scaling <generation> <shard> [<shard> ...]`` it catches up those
shards and prints JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.harness import Figure, Sizes, log, median

NAME = "cart_summaries"
SHARDS = 2


def _children(generation: int, plan: list[list[int]]) -> list[dict[str, float]]:
    from bench.database import current_url

    env = {**os.environ, "DATABASE_URL": current_url(), "PROJECTIONS_SHARDS": str(SHARDS)}
    command = [sys.executable, "-m", "bench.scaling", str(generation)]
    running = [
        subprocess.Popen([*command, *map(str, shards)], env=env, stdout=subprocess.PIPE, text=True)
        for shards in plan
    ]
    results = []
    for process in running:
        out, _ = process.communicate(timeout=1800)
        if process.returncode:
            raise RuntimeError(f"bench.scaling child failed with {process.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _rate(plan: list[list[int]]) -> float:
    from django.test import override_settings

    from projections import rebuild as rebuilding

    with override_settings(PROJECTIONS_SHARDS=SHARDS):
        generation, _ = rebuilding.start(NAME)
        results = _children(generation, plan)
        rebuilding.finish(NAME, generation)
    events = sum(r["events"] for r in results)
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    return events / span


def run(sizes: Sizes) -> list[Figure]:
    """Median events/s of the catch-up with one and with two workers."""
    from bench import database, dataset

    database.share_secret_key()
    database.empty_event_store()
    dataset.copy_carts(sizes.rebuild_events)
    database.analyze()
    database.wait_until_settled()
    one, two = [], []
    for _ in range(sizes.runs):
        one.append(_rate([[0, 1]]))
        two.append(_rate([[0], [1]]))
        log(f"B9 one worker {one[-1]:,.0f} events/s, two workers {two[-1]:,.0f} events/s")
    value, baseline = median(two), median(one)
    return [
        Figure(
            "B9",
            f"catch-up of {NAME} in 2 shards, 2 workers ({database.event_count():,} events)",
            value,
            "events/s",
            ">= 1.6x one worker",
            value >= 1.6 * baseline,
            baseline,
            "the same with one worker",
            two,
        )
    ]


def _main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from projections import rebuild as rebuilding

    generation, shards = int(argv[0]), [int(s) for s in argv[1:]]
    started = time.time()
    events = sum(rebuilding.rebuild_shard(NAME, generation, shard) for shard in shards)
    print(json.dumps({"events": events, "started": started, "ended": time.time()}))


if __name__ == "__main__":
    _main(sys.argv[1:])
