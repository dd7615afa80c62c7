"""What every workload shares: sizes, repeated timing, figures against targets, the report."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


@dataclass(frozen=True)
class Sizes:
    """How big each workload runs: quick for a few minutes, full for the issue's sizes."""

    mode: str
    runs: int
    b1_carts: int
    b2_carts: int
    b3_sizes: tuple[int, ...]
    log_events: int
    rebuild_events: int
    b6_requests: int
    b7_small: int
    b7_big: int
    b8_seconds: float  # each of B8's load runs stops after this long, or b6_requests


# Full sizes are the issue's. Quick sizes keep the whole run near two minutes on an idle
# two-core machine while every timed section still lasts long enough to be steady.
QUICK = Sizes(
    "quick", 3, 300, 600, (10, 100, 1_000, 10_000), 100_000, 35_000, 1_200, 10_000, 1_000_000, 4.0
)
FULL = Sizes(
    "full",
    3,
    2_000,
    2_000,
    (10, 100, 1_000, 10_000),
    1_000_000,
    1_000_000,
    3_200,
    10_000,
    10_000_000,
    15.0,
)
TOY = Sizes("toy", 1, 3, 4, (10, 30), 300, 140, 40, 50, 200, 1.0)


@dataclass
class Figure:
    """One measured figure: its median, the same-run baseline it is judged against, the target."""

    workload: str
    name: str
    value: float
    unit: str
    target: str
    passed: bool | None
    baseline: float | None = None
    baseline_name: str = ""
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        assert self.baseline is not None
        return self.value / self.baseline


def median(samples: list[float]) -> float:
    """The median of the samples (the figure every target is judged on)."""
    return statistics.median(samples)


def timed(action: Callable[[], Any]) -> float:
    """Seconds one call of ``action`` took, by the monotonic performance counter."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def log(message: str) -> None:
    """Progress on stderr, so the table on stdout stays clean."""
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    """Where the figures were measured: cores, memory, Python, PostgreSQL and the commit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "django": _version("django"),
        "psycopg": _version("psycopg"),
        "platform": platform.platform(),
        "commit": _commit(),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_results(sizes: Sizes, figures: list[Figure], info: dict[str, Any]) -> Path:
    """Write the run as JSON under var/bench/ (one file per run, plus latest.json)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC)
    document = {
        "date": stamp.isoformat(timespec="seconds"),
        "mode": sizes.mode,
        "sizes": asdict(sizes),
        "machine": info,
        "figures": [dict(asdict(f), ratio=f.ratio) for f in figures],
    }
    path = RESULTS_DIR / f"{stamp:%Y%m%dT%H%M%SZ}-{sizes.mode}.json"
    text = json.dumps(document, indent=2, default=str)
    path.write_text(text)
    (RESULTS_DIR / f"latest-{sizes.mode}.json").write_text(text)
    return path


def table(figures: list[Figure]) -> str:
    """The results as a markdown table: figure, same-run baseline, ratio, target, verdict."""
    lines = [
        "| | figure | median | baseline (same run) | ratio | target | |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        baseline = f"{_number(f.baseline)} ({f.baseline_name})" if f.baseline is not None else ""
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[f.passed]
        value = f"{_number(f.value)} {f.unit}" if f.value == f.value else "-"
        name = f"{f.name} ({f.note})" if f.note else f.name
        lines.append(
            f"| {f.workload} | {name} | {value} | {baseline} | {ratio} | {f.target} | {verdict} |"
        )
    return "\n".join(lines)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"
