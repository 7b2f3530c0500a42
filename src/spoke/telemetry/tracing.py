"""OpenTelemetry traces, configured with the standard ``OTEL_*`` variables.

Off unless an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``); ``OTEL_EXPORTER_OTLP_PROTOCOL`` picks gRPC
(default) or ``http/protobuf``; sampling is parent-based with the ratio in
``OTEL_TRACES_SAMPLER_ARG`` (1.0 by default; 0.1 is a good start in production).
The libraries Spoke uses are instrumented (SQLAlchemy, redis-py); object storage and
protoc runs get spans of their own (``span``), and the API's server spans come from the
ASGI middleware that ``create_app`` installs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace

_tracer = trace.get_tracer("spoke")


def tracing_enabled() -> bool:
    return (
        bool(
            os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        )
        and os.environ.get("OTEL_SDK_DISABLED", "").lower() != "true"
    )


def configure_tracing(service_version: str) -> bool:
    """Install the global tracer provider and exporter, once, at process start."""
    if not tracing_enabled():
        return False
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "1.0"))
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", "spoke"),
            "service.version": service_version,
        }
    )
    provider = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(ratio)))
    provider.add_span_processor(BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    RedisInstrumentor().instrument(tracer_provider=provider)
    return True


def _exporter() -> Any:
    protocol = os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    )
    if protocol.startswith("http"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
        OTLPSpanExporter as GrpcExporter,
    )

    return GrpcExporter()


def instrument_app(app: Any) -> None:
    """Server spans for every API request, named by route template; ``traceparent``
    from callers is honoured (a no-op without tracing)."""
    if not tracing_enabled():
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app)


def instrument_engine(sync_engine: Any) -> None:
    """Child spans for every SQL statement of this engine (a no-op without tracing)."""
    if not tracing_enabled():
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares sqlalchemy < 2.1; the engine events it uses are unchanged.
    SQLAlchemyInstrumentor().instrument(engine=sync_engine, skip_dep_check=True)


def shutdown_tracing() -> None:
    """Flush the spans still buffered (at process exit)."""
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if callable(shutdown):
        shutdown()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A child span of whatever is current (free when tracing is off)."""
    with _tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current
