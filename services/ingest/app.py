"""ingest: news.url.submitted -> fetch -> news.page.fetched (failures -> .dlq).

How a URL moves through one worker:

1. The shared Stage (newswire/stage.py) takes records as fast as they come (up to
   ``max_pending`` unfinished ones) and acks each when it is finished, so Faust commits an
   offset only when every record before it is done (at-least-once) while hundreds of fetches
   are in flight; it owns retry, DLQ, tracing and metrics for both agents below.
2. Dedup (``seen.py``, ``seen_topic.py``): a URL stored or in flight is skipped unless the
   event says refresh. A worker holds the dedup state of its own partitions only, bounded by
   ``seen_ttl_seconds`` and ``seen_max_entries``.
3. Politeness (``scheduler.py``, ``robots.py``): the domain's queue waits for its next start
   slot and for robots.txt without holding a global fetch slot.
4. A retriable failure (timeout, 5xx, 429, robots.txt unavailable) goes to news.url.retry
   with ``attempt + 1`` and a not-before time (Retry-After wins); the retry agent holds it
   there until that time, not in the partition, and puts it back on news.url.submitted (a
   retry record it cannot handle goes to news.url.submitted.dlq with its reason). After the
   last attempt, and for every permanent failure, the URL goes to the DLQ with its reason.
5. A refresh whose page answers 304 or has the same bytes as before publishes nothing.
6. The page goes out as a version 2 news.page.fetched record (newswire/events.py): the
   origin's gzip as it came (never inflated or recompressed here), or the page gzipped once
   when the origin sent it uncompressed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from typing import Any

from aiokafka.errors import KafkaError
from faust.types import EventT

from newswire.errors import Permanent, Retriable
from newswire.events import (
    PageFetched,
    UrlSubmitted,
    cloudevent_headers,
    decode,
    encode,
    page_record,
)
from newswire.kafka import client_options, kafka_error, make_consumer
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.topics import Topics
from newswire.urls import article_id, domain_key
from services.ingest.fetch import FetchedPage, FetchPolicy, ShardedClient, fetch
from services.ingest.metrics import IngestMetrics
from services.ingest.policy import (
    IngestPolicy,
    Retry,
    after_fetch,
    conditional_headers,
    failed_entry,
)
from services.ingest.robots import RobotsCache, origin_of
from services.ingest.scheduler import DomainScheduler
from services.ingest.seen import SeenEntry, SeenTable
from services.ingest.seen_topic import SeenTopic

__all__ = ["NOT_BEFORE_HEADER", "create_runtime", "main"]

log = logging.getLogger(__name__)
NOT_BEFORE_HEADER = "newswire.not_before"


def _headers(message: Any) -> dict[str, bytes]:
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return dict(items)


def _gzip(body: bytes) -> bytes:
    """A page the origin sent uncompressed, gzipped once (level 1: fast, and the record
    still fits Kafka's limits)."""
    z = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return z.compress(body) + z.flush()


def _not_before(value: bytes | None) -> float:
    """The retry header's wall-clock time; absent, empty or garbled means now."""
    try:
        return float(value or b"0")
    except (TypeError, ValueError):
        return 0.0


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.ingest
    rt = ServiceRuntime("ingest", settings, cfg.metrics_host, cfg.metrics_port)
    metrics = IngestMetrics(rt.registry)
    policy = FetchPolicy.from_settings(cfg)
    retry = IngestPolicy.from_settings(cfg)
    client: ShardedClient | None = None

    def get_client() -> ShardedClient:
        nonlocal client
        if client is None:
            client = ShardedClient(cfg)
        return client

    robots = RobotsCache(get_client, policy, ttl=cfg.robots_ttl,
                         error_ttl=cfg.robots_error_ttl) if cfg.robots else None
    if robots is not None:
        load = robots.load

        async def counted_load(origin: str) -> None:
            metrics.robots_fetches.inc()
            await load(origin)

        robots.load = counted_load  # type: ignore[method-assign]
    scheduler = DomainScheduler(
        cfg.per_domain_rps, max_in_flight=cfg.max_in_flight,
        per_domain_concurrency=cfg.per_domain_concurrency, robots=robots,
        max_crawl_delay=cfg.max_crawl_delay, on_robots_refusal=metrics.robots_refusals.inc)
    metrics.in_flight.set_function(lambda: scheduler.in_flight)
    metrics.queued.set_function(lambda: scheduler.queued)

    async def write_seen(url: str, value: bytes, partition: int) -> None:
        fut = await rt.stage.topic(rt.topics.url_seen).send(
            key=url.encode(), value=value, partition=partition)
        await fut

    seen = SeenTable(write_seen, inflight_ttl=cfg.inflight_ttl, failed_ttl=cfg.inflight_ttl,
                     ttl=cfg.seen_ttl_seconds, max_entries=cfg.seen_max_entries)
    seen_topic = SeenTopic(seen, rt.topics.url_seen)

    # mode types the handler with mypy_extensions' extended Callable syntax (VarArg(),
    # NamedArg()), which mypy no longer honours: no function, sync or async, matches it.
    @rt.app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def follow_assignment(_: Any, assigned: set[Any], **__: Any) -> None:
        seen_topic.own(tp.partition for tp in assigned if tp.topic == rt.topics.url_submitted)

    background: list[asyncio.Task[None]] = []

    async def start() -> None:
        get_client()  # built before the first URL, not while it waits
        await _compact(settings, rt.topics.url_seen)
        consumer = make_consumer(settings.kafka, group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest")
        await seen_topic.start(consumer)
        from services.ingest.poller import configured_feeds

        feeds = configured_feeds(cfg)
        if feeds:
            background.append(asyncio.create_task(_poller(feeds).run(cfg.poll_interval)))

    async def stop() -> None:
        for task in background:
            task.cancel()
        await seen_topic.stop()
        if client is not None:
            await client.aclose()

    rt.startup_hooks.append(start)
    rt.shutdown_hooks.append(stop)

    def _poller(feeds: list[str]) -> Any:
        from services.ingest.discover import Discoverer, DiscoverResult
        from services.ingest.poller import FeedPoller

        async def publish_url(url: str) -> None:
            ev = UrlSubmitted(submitted_url=url, url=url, source="feed")
            await rt.stage.publish(rt.topics.url_submitted, domain_key(url), ev)
            metrics.discovered.inc()

        def on_poll(result: DiscoverResult, _new: int) -> None:
            metrics.feed_polls.labels("not_modified").inc(result.not_modified)
            metrics.feed_polls.labels("ok").inc(result.documents - result.not_modified)
            metrics.feed_polls.labels("failed").inc(len(result.errors))

        return FeedPoller(Discoverer(get_client(), policy), feeds, publish_url,
                          on_poll=on_poll)

    async def requeue(event: UrlSubmitted, delay: float) -> None:
        retry = event.model_copy(update={"attempt": event.attempt + 1})  # same event id
        headers = cloudevent_headers(retry, "newswire/ingest")
        headers[NOT_BEFORE_HEADER] = f"{time.time() + delay:.3f}".encode()
        fut = await rt.stage.topic(rt.topics.url_retry).send(
            key=domain_key(event.url).encode(), value=encode(retry), headers=headers)
        await fut

    async def fetch_once(url: str, headers: dict[str, str] | None) -> FetchedPage:
        started = time.perf_counter()
        try:
            page = await fetch(url, get_client(), policy, headers=headers, keep_gzip=True)
        except Retriable:
            metrics.fetch_duration.labels("retriable").observe(time.perf_counter() - started)
            raise
        except Permanent:
            metrics.fetch_duration.labels("failed").observe(time.perf_counter() - started)
            raise
        metrics.fetch_duration.labels("ok").observe(time.perf_counter() - started)
        metrics.fetch_bytes.inc(page.size)
        metrics.response_size.observe(page.size)
        return page

    async def handle(event: EventT[Any]) -> None:
        submitted = decode(UrlSubmitted, event.message.value)
        await seen_topic.ready(event.message.partition)
        part = seen_topic.partition_for(event.message.partition)
        url, event_id = submitted.url, submitted.event_id
        if seen.claim(url, event_id, part, refresh=submitted.refresh) == "duplicate":
            metrics.skipped.labels("duplicate").inc()
            return
        claim = seen.get(url, part) or SeenEntry("inflight", time.time(), event_id)
        await seen.record(url, claim, part)
        conditional = conditional_headers(claim, refresh=submitted.refresh)
        domain = domain_key(url)
        try:
            page: FetchedPage = await scheduler.run(
                domain, url, origin_of(url), lambda: fetch_once(url, conditional))
        except Retriable as exc:
            backoff = retry.domain_backoff(exc)
            if backoff is not None:
                scheduler.backoff(domain, backoff)
            decision = retry.on_retriable(exc, submitted.attempt, url, submitted.submitted_url)
            if isinstance(decision, Retry):
                await requeue(submitted, decision.delay)
                metrics.fetches.labels("retried", decision.reason).inc()
                metrics.retries.labels(decision.reason).inc()
                return
            metrics.fetches.labels("failed", decision.reason).inc()
            await seen.record(url, failed_entry(claim, event_id, time.time()), part)
            raise decision from None
        except Permanent as exc:
            metrics.fetches.labels("failed", exc.reason).inc()
            await seen.record(url, failed_entry(claim, event_id, time.time()), part)
            raise exc.with_url(url, submitted.submitted_url) from None
        fetched = after_fetch(claim, event_id, time.time(), status=page.status,
                              body=page.fingerprint, etag=page.etag,
                              last_modified=page.last_modified)
        if fetched.unchanged:
            metrics.fetches.labels("ok", "not_modified").inc()
            metrics.skipped.labels("unchanged").inc()
            await seen.record(url, fetched.entry, part)
            return
        metrics.fetches.labels("ok", "none").inc()
        out = PageFetched.with_gzip(
            page.body if page.content_encoding == "gzip" else _gzip(page.body), page.size,
            submitted_url=submitted.submitted_url, url=url,
            final_url=page.final_url, status=page.status, content_type=page.content_type,
            fetched_at=page.fetched_at, etag=page.etag, last_modified=page.last_modified)
        try:
            await rt.stage.publish_encoded(rt.topics.page_fetched, article_id(url),
                                           *page_record(out, "newswire/ingest"))
        except (Permanent, KafkaError) as exc:  # e.g. a page over max.message.bytes
            err = kafka_error(exc) if isinstance(exc, KafkaError) else exc
            if isinstance(err, Permanent):  # the URL's failure, with the URL on it
                await seen.record(url, failed_entry(claim, event_id, time.time()), part)
                raise err.with_url(url, submitted.submitted_url) from exc
            raise err from exc
        await seen.record(url, fetched.entry, part)

    def retry_hold(event: EventT[Any]) -> float:
        not_before = _not_before(_headers(event.message).get(NOT_BEFORE_HEADER))
        return min(not_before - time.time(), cfg.retry_max_seconds)

    async def release_retry(event: EventT[Any]) -> None:
        """Put a retry record, its time come (``retry_hold``), back on news.url.submitted."""
        message = event.message
        decode(UrlSubmitted, message.value)  # MalformedEvent: dead-lettered, not re-queued
        headers = _headers(message)
        headers.pop(NOT_BEFORE_HEADER, None)
        fut = await rt.stage.topic(rt.topics.url_submitted).send(
            key=message.key, value=message.value, headers=headers)
        await fut

    rt.stage.agent(rt.topics.url_submitted, handle, max_pending=cfg.max_pending,
                   pending=metrics.pending)
    # Retries are the URL's, so are their failures: the same DLQ as news.url.submitted.
    rt.stage.agent(rt.topics.url_retry, release_retry, max_pending=cfg.max_pending,
                   dlq=Topics.dlq(rt.topics.url_submitted), hold=retry_hold)
    return rt


async def _compact(settings: Settings, topic: str) -> None:
    """Ask for log compaction of the dedup topic (best effort: the embedded broker and
    restricted clusters may refuse; the topic then simply keeps every state change)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(**client_options(settings.kafka), request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.alter_configs([ConfigResource(
            ConfigResourceType.TOPIC, topic, configs={"cleanup.policy": "compact"})])
    except Exception as exc:  # noqa: BLE001 - best effort, logged
        log.info("could not set cleanup.policy=compact on %s: %s", topic, exc)
    finally:
        await admin.close()


def main(settings: Settings) -> None:
    create_runtime(settings).run()
