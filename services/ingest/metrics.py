"""Ingest-specific metrics (the common stage metrics live in newswire.metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["IngestMetrics"]


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.fetches = Counter(
            "newswire_fetches_total", "Fetch attempts by outcome and reason",
            ["outcome", "reason"], registry=registry)
        self.fetch_bytes = Counter(
            "newswire_fetch_bytes_total", "Decoded bytes of fetched pages", registry=registry)
        self.response_size = Histogram(
            "newswire_fetch_response_size_bytes", "Size of fetched pages",
            buckets=(1e3, 1e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7), registry=registry)
        self.fetch_duration = Histogram(
            "newswire_fetch_duration_seconds", "Time of one fetch attempt", ["outcome"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=registry)
        self.in_flight = Gauge(
            "newswire_fetch_in_flight", "Fetches in progress", registry=registry)
        self.retries = Counter(
            "newswire_fetch_retries_total", "Fetch attempts retried", ["reason"],
            registry=registry)
