"""Prometheus metrics every stage exports, on a registry injected per service.

Naming: ``newswire_`` prefix, base units, ``_total`` counters, ``_seconds``/``_bytes``
histograms; labels ``stage``, ``outcome``, ``reason`` (never URLs or domains).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["StageMetrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class StageMetrics:
    """The counters and histograms common to every stage."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.consumed = Counter(
            "newswire_consumed_total", "Events taken from a stage's input topic",
            ["stage"], registry=registry)
        self.events = Counter(
            "newswire_events_total", "Events processed, by stage, outcome and reason",
            ["stage", "outcome", "reason"], registry=registry)
        self.produced = Counter(
            "newswire_produced_total", "Events published to the next topic",
            ["stage"], registry=registry)
        self.dlq = Counter(
            "newswire_dlq_total", "Records sent to a dead-letter topic",
            ["stage", "reason"], registry=registry)
        self.duration = Histogram(
            "newswire_stage_duration_seconds", "Time to process one event",
            ["stage"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.queue_delay = Histogram(
            "newswire_queue_delay_seconds",
            "Time from a record's broker timestamp to the start of its processing",
            ["stage"], buckets=_LATENCY_BUCKETS, registry=registry)
        self.in_progress = Gauge(
            "newswire_in_progress", "Events being processed now", ["stage"], registry=registry)
