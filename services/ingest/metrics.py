"""Ingest-specific metrics (the common stage metrics live in newswire.metrics).
No label ever carries a URL or a domain."""

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
        self.robots_refusals = Counter(
            "newswire_robots_refusals_total", "URLs not fetched because robots.txt disallows",
            registry=registry)
        self.robots_fetches = Counter(
            "newswire_robots_fetches_total", "robots.txt documents fetched", registry=registry)
        self.skipped = Counter(
            "newswire_urls_skipped_total",
            "URLs not fetched or not published again (duplicate, unchanged)", ["reason"],
            registry=registry)
        self.queued = Gauge(
            "newswire_fetch_queued", "URLs waiting for their domain's next slot",
            registry=registry)
        self.pending = Gauge(
            "newswire_urls_pending", "URLs taken from the topic and not finished",
            registry=registry)
        self.feed_polls = Counter(
            "newswire_feed_polls_total", "Documents read by the feed poller", ["outcome"],
            registry=registry)
        self.discovered = Counter(
            "newswire_discovered_urls_total", "New article URLs published by the feed poller",
            registry=registry)
