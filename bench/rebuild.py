"""B5: rebuilding each read model from the whole log, in a fresh process per rebuild.

Each rebuild runs ``projections.rebuild.rebuild(name)`` (what ``manage.py projections rebuild``
runs: every shard here, then the switch) in its own Python process, so the peak resident memory
it reports (``ru_maxrss``) is that rebuild's alone, Django included. Events/s are judged against
B4's raw cursor scan of the same log in the same run.

Run as ``python -m bench.rebuild <name>`` it performs one rebuild and prints JSON.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from bench.harness import Figure, Sizes, log, median

PEAK_LIMIT_MB = 300


def rebuild_in_subprocess(name: str) -> dict[str, float]:
    """Events read, seconds and peak RSS of one rebuild run in a child process."""
    from django.conf import settings

    from bench.database import current_url

    # The same SECRET_KEY, from which the master key of personal data is derived by default.
    env = {**os.environ, "DATABASE_URL": current_url(), "SECRET_KEY": settings.SECRET_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "bench.rebuild", name],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run(sizes: Sizes) -> list[Figure]:
    """Median events/s and peak memory of each projection's rebuild of a COPY'd log."""
    from bench import database, dataset
    from bench.global_log import rate, raw_scan
    from projections.registry import names

    database.empty_event_store()
    dataset.copy_carts(sizes.rebuild_events)
    database.analyze()
    settled = database.wait_until_settled()
    total = database.event_count()
    raw_rate = median([rate(raw_scan) for _ in range(sizes.runs)])
    log(f"B5 raw scan of {database.event_count():,} events: {raw_rate:,.0f}/s")
    figures = []
    for name in names():
        results = [rebuild_in_subprocess(name) for _ in range(sizes.runs)]
        rates = [r["events"] / r["seconds"] for r in results]
        seen = min(int(r["events"]) for r in results)
        # A rebuild reads through read_all, which stops at the cluster's oldest transaction.
        note = "" if settled and seen == total else f"rebuild read {seen:,} of {total:,}"
        peaks = [r["peak_mb"] for r in results]
        log(f"B5 {name}: {', '.join(f'{x:,.0f}/s' for x in rates)}; peak {max(peaks):.0f} MB")
        value = median(rates)
        figures.append(
            Figure(
                "B5",
                f"rebuild {name}, {total:,}-event log",
                value,
                "events/s",
                ">= 50% of raw scan",
                value >= 0.5 * raw_rate,
                raw_rate,
                "raw cursor scan",
                rates,
                note,
            )
        )
        peak = max(peaks)
        figures.append(
            Figure(
                "B5",
                f"rebuild {name}, peak RSS",
                peak,
                "MB",
                f"<= {PEAK_LIMIT_MB} MB",
                peak <= PEAK_LIMIT_MB,
                samples=peaks,
            )
        )
    return figures


def main(name: str) -> None:
    """One rebuild in this process; prints events, seconds and peak RSS as JSON."""
    import django

    django.setup()
    from config.celery import app
    from projections.rebuild import rebuild

    # A worker sets its Celery app up once, at start, as django.setup() above sets Django up;
    # left alone, the first call of a task in a fresh process would do it inside the clock.
    app.finalize()
    started = time.perf_counter()
    events = rebuild(name)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"events": events, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main(sys.argv[1])
