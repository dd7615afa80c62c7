"""``python -m bench``: run the workloads, print the table, write JSON under var/bench/.

python -m bench              quick run (a few minutes; smaller logs, says so in the table)
python -m bench --full       the issue's sizes (1,000,000-event log, 10,000,000-event B7)
python -m bench --only B1,B3 only some workloads
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from bench import database
from bench.harness import FULL, QUICK, TOY, Figure, Sizes, log, machine, table, write_results

WORKLOADS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes (the default)")
    mode.add_argument("--full", action="store_true", help="the issue's sizes; takes longer")
    mode.add_argument("--toy", action="store_true", help="tiny sizes: checks the harness only")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. B1,B3")
    parser.add_argument("--runs", type=int, default=0, help="runs per figure (default 3)")
    args = parser.parse_args(argv)
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()] or list(WORKLOADS)
    unknown = sorted(set(chosen) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}: choose from {', '.join(WORKLOADS)}")
    args.workloads = chosen
    return args


def run_workloads(sizes: Sizes, chosen: list[str]) -> list[Figure]:
    """Run the chosen workloads in order on the (already set up) bench database."""
    from bench import (
        commands,
        dataset,
        freshness,
        global_log,
        growth,
        http_api,
        loading,
        rebuild,
        relay,
        scaling,
        webhooks,
        writers,
    )

    figures: list[Figure] = []
    for name in chosen:
        started = time.perf_counter()
        log(f"{name} starting")
        if name == "B1":
            figures += commands.run(sizes)
        elif name == "B2":
            figures += writers.run(sizes)
        elif name == "B3":
            figures += loading.run(sizes)
        elif name == "B4":
            database.empty_event_store()
            with dataset.secondary_indexes_deferred():
                dataset.copy_carts(sizes.log_events)
            database.analyze()
            figures += global_log.run(sizes)
        elif name == "B5":
            figures += rebuild.run(sizes)
        elif name == "B6":
            figures += http_api.run(sizes)
        elif name == "B7":
            figures += growth.run(sizes)
        elif name == "B8":
            figures += freshness.run(sizes)
        elif name == "B9":
            figures += scaling.run(sizes)
        elif name == "B10":
            figures += webhooks.run(sizes)
        elif name == "B11":
            figures += relay.run(sizes)
        log(f"{name} done in {time.perf_counter() - started:.0f} s")
    return figures


def main(argv: list[str]) -> int:
    args = parse(argv)
    sizes = FULL if args.full else TOY if args.toy else QUICK
    if args.runs:
        sizes = replace(sizes, runs=args.runs)
    url = database.database_url()
    log(f"{sizes.mode} run of {', '.join(args.workloads)} on {url}")
    database.setup(url)
    figures = run_workloads(sizes, args.workloads)
    path = write_results(sizes, figures, machine())
    print(table(figures))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
