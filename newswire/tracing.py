"""W3C trace context carried through every stage in the Kafka header ``traceparent``.

`newswire submit` starts a trace per URL; each stage continues it (same trace id, a new span
id) on every event it publishes, including DLQ records, so one URL can be followed end to end
in the logs (field ``trace_id``). When ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set, each stage's
processing of a record is also exported as an OpenTelemetry span; otherwise nothing is exported.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["child_of", "new_traceparent", "span", "trace_id_of"]

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_tracer: Any = None


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_of(parent: str | None) -> str:
    """A new span in the parent's trace (a new trace when the parent is missing or invalid)."""
    match = _TRACEPARENT.match(parent or "")
    if not match or match.group(1) == "0" * 32:
        return new_traceparent()
    return f"00-{match.group(1)}-{secrets.token_hex(8)}-{match.group(3)}"


def trace_id_of(traceparent: str) -> str | None:
    match = _TRACEPARENT.match(traceparent)
    return match.group(1) if match else None


def _get_tracer() -> Any:
    global _tracer
    if _tracer is None:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "newswire")}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _tracer = trace.get_tracer("newswire")
    return _tracer


def exporting() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


@contextmanager
def span(name: str, parent: str | None, attributes: Mapping[str, Any]) -> Iterator[str]:
    """Process one record inside a span; yields the traceparent to put on outgoing events."""
    if not exporting():
        yield child_of(parent)
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    propagator = TraceContextTextMapPropagator()
    context = propagator.extract({"traceparent": parent} if parent else {})
    with _get_tracer().start_as_current_span(name, context=context,
                                             attributes=dict(attributes)) as current:
        carrier: dict[str, str] = {}
        propagator.inject(carrier)
        yield carrier.get("traceparent") or child_of(parent)
        current.set_attribute("newswire.done", True)
