"""Optional traces: off unless configured; when on, each event records its request's trace id."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from eventstore.metadata import Metadata
from eventstore.models import Event
from observability import tracing
from tests.observability.conftest import records


@pytest.fixture
def provider() -> TracerProvider:
    return TracerProvider()


@pytest.fixture
def spans(provider) -> Iterator[InMemorySpanExporter]:
    """Django's requests traced into memory while the test runs."""
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.instrument(provider)
    yield exporter
    tracing.uninstrument()


@pytest.mark.django_db
def test_an_appended_event_records_the_trace_id_of_the_request_that_wrote_it(catalog, spans):
    response = Client().post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    assert response.status_code == 303
    (server_span,) = spans.get_finished_spans()
    trace_id = format(server_span.context.trace_id, "032x")
    recorded = [event.metadata.get("trace_id") for event in Event.objects.all()]
    assert recorded == [trace_id, trace_id]


@pytest.mark.django_db
def test_log_lines_of_a_traced_request_carry_its_trace_id(catalog, spans, written_log):
    buffer = written_log("json")
    Client().post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    (server_span,) = spans.get_finished_spans()
    lines = records(buffer)
    assert lines
    assert {line["trace_id"] for line in lines} == {format(server_span.context.trace_id, "032x")}


def test_configured_traces_get_a_provider_named_after_the_service_and_requests_traced(
    monkeypatch,
):
    provided: list[TracerProvider] = []
    monkeypatch.setattr(trace, "set_tracer_provider", provided.append)
    monkeypatch.setattr(tracing, "instrument", provided.append)
    environ = {"OTEL_TRACES": "console", "OTEL_SERVICE_NAME": "shop-eu"}
    assert tracing.configure_from_environment(environ) is True
    set_globally, instrumented = provided
    assert set_globally is instrumented
    assert instrumented.resource.attributes["service.name"] == "shop-eu"
    instrumented.shutdown()


def test_otlp_traces_use_the_otlp_http_exporter():
    assert type(tracing._exporter("otlp")).__name__ == "OTLPSpanExporter"


@pytest.mark.django_db
def test_the_active_spans_trace_id_is_what_the_metadata_records(catalog, provider):
    with provider.get_tracer("tests").start_as_current_span("checkout") as span:
        response = Client().post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
        assert tracing.current_trace_id() == format(span.get_span_context().trace_id, "032x")
    assert response.status_code == 303
    assert {event.metadata["trace_id"] for event in Event.objects.all()} == {
        format(span.get_span_context().trace_id, "032x")
    }


@pytest.mark.django_db
def test_without_tracing_events_record_no_trace_id_at_all(catalog):
    Client().post("/cart/add/", {"sku": "TEA-001", "quantity": "1"})
    assert Event.objects.count() == 2
    assert all("trace_id" not in event.metadata for event in Event.objects.all())
    assert "trace_id" not in Metadata(actor="system", source="system").to_dict()


@pytest.mark.django_db
def test_scrapes_of_metrics_are_not_traced(spans):
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert spans.get_finished_spans() == ()


def test_outside_any_span_there_is_no_trace_id(monkeypatch):
    assert tracing.current_trace_id() == ""
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    assert tracing.current_trace_id() == ""


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, ""),
        ({"OTEL_TRACES": "console"}, "console"),
        ({"OTEL_TRACES": "OTLP"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, "otlp"),
        ({"OTEL_TRACES": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}, ""),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES": "console"}, ""),
    ],
)
def test_traces_go_where_the_environment_says(environ, wanted):
    assert tracing.exporter_wanted(environ) == wanted


def test_an_unknown_exporter_is_refused_with_the_accepted_ones():
    with pytest.raises(ImproperlyConfigured, match="one of console, otlp, none, not 'jaeger'"):
        tracing.exporter_wanted({"OTEL_TRACES": "jaeger"})


def test_tracing_asked_for_without_the_packages_says_which_extra_to_install(monkeypatch):
    for name in [m for m in sys.modules if m.startswith("opentelemetry")] + ["opentelemetry"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImproperlyConfigured, match=r"pip install -e '\.\[otel\]'"):
        tracing.configure_from_environment({"OTEL_TRACES": "console"})


def test_tracing_not_configured_sets_nothing_up(monkeypatch):
    middleware = list(settings.MIDDLEWARE)
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # would fail if imported
    assert tracing.configure_from_environment({}) is False
    assert middleware == settings.MIDDLEWARE
