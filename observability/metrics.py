"""Every figure the processes count, named once: the catalog an operator reads.

Counters and histograms of prometheus-client, incremented where the thing happens (one call in
memory, no I/O). Names start with ``ledger_``; counters gain ``_total`` when exposed. Figures
read from the database at scrape time are not kept here but in ``config/scrape_gauges.py``.

Several processes (gunicorn workers, Celery workers, the relay) each count their own. With
``PROMETHEUS_MULTIPROC_DIR`` set, every process writes its counts to memory-mapped files in that
directory (prometheus-client's multiprocess mode) and ``/metrics`` adds them up; it must be the
same directory for all processes on a machine, emptied when the stack starts. Unset, each
process keeps its own counts in memory and ``/metrics`` shows those of the process that answers.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram, disable_created_metrics

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# The *_created series (a start time per counter) add one line per figure that no dashboard
# here reads; multiprocess mode never has them, so the two modes look alike without them.
disable_created_metrics()

if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
    # prometheus-client opens its file in this directory as the first value is made, and a
    # missing one would fail there with a bare FileNotFoundError.
    os.makedirs(os.environ[MULTIPROCESS_DIR_VARIABLE], exist_ok=True)

# Seconds: an append is a round trip or two on a local database, so the buckets are fine
# below 10 ms and stop at a few seconds, where a stuck lock shows.
APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

# --- the command path (carts.application) -----------------------------------------------------
COMMANDS = Counter(
    "ledger_commands",
    "Cart commands handled, by command name (as events record it) and outcome: accepted,"
    " unchanged (nothing to write), replayed (a repeated command id), refused (error names the"
    " rule's code, or 'forbidden'), conflict (stale_version, concurrent_modification), failed"
    " (an unexpected error; error names its class).",
    ["command", "outcome", "error"],
)
COMMAND_CONFLICTS = Counter(
    "ledger_command_conflicts",
    "Appends refused because another writer had moved the cart since it was loaded.",
    ["command"],
)
COMMAND_RETRIES = Counter(
    "ledger_command_retries",
    "Commands loaded and decided again on the newer cart after a conflict.",
    ["command"],
)
APPEND_SECONDS = Histogram(
    "ledger_append_seconds",
    "Seconds one append of a cart's events took, by outcome: written, or conflict (it lost the"
    " race and wrote nothing).",
    ["outcome"],
    buckets=APPEND_BUCKETS,
)

# --- web requests (carts.web) -----------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "ledger_http_requests",
    "HTTP requests answered, by method and status class (2xx, 3xx, 4xx, 5xx).",
    ["method", "status"],
)
HTTP_SECONDS = Histogram(
    "ledger_http_request_seconds",
    "Seconds from the first middleware receiving a request to its response.",
)

# --- webhooks (projections.webhooks) ----------------------------------------------------------
WEBHOOK_SENDS = Counter(
    "ledger_webhook_sends",
    "Webhook requests sent (one per attempt, redeliveries included), by the outcome recorded in"
    " the delivery log: delivered, retrying, failed, refused, redelivered, redelivery_failed.",
    ["outcome"],
)
WEBHOOK_SEND_FAILURES = Counter(
    "ledger_webhook_send_failures",
    "Webhook attempts not answered 2xx, by reason: timeout, connection, refused (the target's"
    " address is not allowed), or status_4xx / status_5xx / status_other.",
    ["reason"],
)

# --- the relay to a broker (projections.relay) ------------------------------------------------
RELAY_PUBLISHED = Counter(
    "ledger_relay_published_events",
    "Events the broker acknowledged, per sink (duplicates it dropped by event id included).",
    ["sink"],
)
RELAY_DUPLICATES = Counter(
    "ledger_relay_duplicate_events",
    "Events published again after a restart that the broker already held, per sink.",
    ["sink"],
)
RELAY_BATCHES = Counter(
    "ledger_relay_batches",
    "Batches published and checkpointed, per sink.",
    ["sink"],
)
RELAY_FAILURES = Counter(
    "ledger_relay_failures",
    "Relay runs that failed and were retried from the checkpoint, per sink and what failed"
    " (broker or database).",
    ["sink", "failed"],
)
