"""Optional OpenTelemetry traces: on only when configured, and then each request is a span
whose trace id the events it appends record (``Metadata.trace_id``).

Configured by environment, read once as Django starts (observability.apps):

- ``OTEL_TRACES=console`` prints each finished span (for a look on one machine);
- ``OTEL_TRACES=otlp``, or ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) set,
  sends them over OTLP/HTTP to that endpoint (the exporter reads the standard OTEL_EXPORTER_*
  variables itself);
- ``OTEL_TRACES=none``, ``OTEL_SDK_DISABLED=true`` or nothing set: no tracing; this module
  imports nothing of OpenTelemetry and adds no middleware.

The packages are an optional extra (``pip install -e '.[otel]'``); configuring traces without
them stops the start with ImproperlyConfigured naming the extra. ``current_trace_id`` never
imports them: while nothing has loaded OpenTelemetry there is no span, so it answers "" at the
cost of a dictionary look-up (once loaded, by redis-py for one, it asks for the current span,
which is the invalid one when tracing is off).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRACES_VARIABLE = "OTEL_TRACES"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
EXPORTERS = ("console", "otlp", "none")
SERVICE_NAME = "ledger-shop"
INSTALL_HINT = "install the optional packages: pip install -e '.[otel]'"
# Prometheus scrapes every few seconds; a span per scrape would bury the shop's own traces.
UNTRACED_URLS = "metrics"


def current_trace_id() -> str:
    """The active span's trace id (32 hex digits), or "" when there is none."""
    trace = sys.modules.get("opentelemetry.trace")
    if trace is None:
        return ""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


def exporter_wanted(environ: Mapping[str, str]) -> str:
    """ "console", "otlp", or "" for no tracing. Raises ImproperlyConfigured for an unknown
    OTEL_TRACES."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ""
    chosen = environ.get(TRACES_VARIABLE, "").strip().lower()
    if chosen and chosen not in EXPORTERS:
        raise ImproperlyConfigured(
            f"{TRACES_VARIABLE} must be one of {', '.join(EXPORTERS)}, not {chosen!r}"
        )
    if not chosen and any(environ.get(name) for name in ENDPOINT_VARIABLES):
        chosen = "otlp"
    return "" if chosen in ("", "none") else chosen


def configure_from_environment(environ: Mapping[str, str] = os.environ) -> bool:
    """Start tracing as the environment asks; whether it did. Raises ImproperlyConfigured
    when it asks for tracing and the packages are missing."""
    kind = exporter_wanted(environ)
    if not kind:
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as missing:
        raise ImproperlyConfigured(f"{TRACES_VARIABLE}: {missing}; {INSTALL_HINT}") from None
    name = environ.get("OTEL_SERVICE_NAME", SERVICE_NAME)
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(kind)))
    trace.set_tracer_provider(provider)
    instrument(provider)
    return True


def _exporter(kind: str) -> Any:
    try:
        if kind == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            return ConsoleSpanExporter()
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    except ImportError as missing:
        raise ImproperlyConfigured(f"{TRACES_VARIABLE}={kind}: {missing}; {INSTALL_HINT}") from None


def instrument(provider: Any) -> None:
    """Trace every request Django serves (but /metrics) with spans of ``provider``.

    Must run before the first request builds the middleware chain: it adds its middleware to
    settings.MIDDLEWARE. Raises ImproperlyConfigured without the instrumentation package."""
    try:
        from opentelemetry.instrumentation.django import DjangoInstrumentor
    except ImportError as missing:
        raise ImproperlyConfigured(f"{TRACES_VARIABLE}: {missing}; {INSTALL_HINT}") from None
    DjangoInstrumentor().instrument(tracer_provider=provider, excluded_urls=UNTRACED_URLS)


def uninstrument() -> None:
    """Stop tracing requests (the middleware leaves settings.MIDDLEWARE)."""
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().uninstrument()
