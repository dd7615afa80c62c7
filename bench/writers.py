"""B2: the command workload of B1 split over 1, 2 and 4 writer processes on distinct carts.

Writers take no global lock (the gap-free reader orders by writing transaction instead), so
two processes should come close to twice the throughput of one, as far as the cores allow.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from typing import Any

from bench.harness import Figure, Sizes, log, median

PROCESS_COUNTS = (1, 2, 4)


def _writer(url: str, carts: list[uuid.UUID], ready: Any, go: Any, results: Any) -> None:
    from bench import database

    database.configure_environment(url)  # the parent's settings, same database
    import django

    django.setup()
    from bench.commands import product_carts

    product_carts([uuid.uuid4()])  # connect and warm up before the clock starts
    ready.release()
    go.wait()
    started = time.monotonic()
    product_carts(carts)
    results.put((started, time.monotonic()))


def throughput(url: str, processes: int, carts: int) -> float:
    """Commands/s of ``processes`` writers sharing ``carts`` carts, first start to last finish."""
    from bench.database import share_secret_key

    share_secret_key()
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    shares = [[uuid.uuid4() for _ in range(carts // processes)] for _ in range(processes)]
    workers = [
        context.Process(target=_writer, args=(url, share, ready, go, results)) for share in shares
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        # A writer that died while starting would otherwise leave this waiting for ever.
        if not ready.acquire(timeout=300):
            raise RuntimeError("a writer process did not get ready within 300 s; see its error")
    go.set()
    spans = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return sum(len(share) for share in shares) * 7 / elapsed


def run(sizes: Sizes) -> list[Figure]:
    """Median commands/s for each process count; two against one is the judged figure."""
    from bench.database import current_url

    url = current_url()
    samples: dict[int, list[float]] = {n: [] for n in PROCESS_COUNTS}
    for attempt in range(sizes.runs):
        # Each run starts with another count, so none always follows the heaviest write load
        # (and the checkpoint it may set off).
        shift = attempt % len(PROCESS_COUNTS)
        for processes in PROCESS_COUNTS[shift:] + PROCESS_COUNTS[:shift]:
            samples[processes].append(throughput(url, processes, sizes.b2_carts))
        log(
            f"B2 run {attempt + 1}: " + ", ".join(f"{n}p {s[-1]:.0f}/s" for n, s in samples.items())
        )
    one = median(samples[1])
    figures = [Figure("B2", "1 writer process", one, "cmd/s", "", None, samples=samples[1])]
    for processes in PROCESS_COUNTS[1:]:
        value = median(samples[processes])
        target, passed = ("", None) if processes != 2 else (">= 1.6x one", value >= 1.6 * one)
        figures.append(
            Figure(
                "B2",
                f"{processes} writer processes",
                value,
                "cmd/s",
                target,
                passed,
                one,
                "1 process",
                samples[processes],
            )
        )
    return figures
