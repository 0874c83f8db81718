"""ingest: news.url.submitted -> fetch -> news.page.fetched (failures -> .dlq).

How a URL moves through one worker:

1. The consumer takes records as fast as they come (up to ``max_pending`` unfinished ones) and
   acks each by hand when it is finished, so Faust commits an offset only when every record
   before it is done (at-least-once) while hundreds of fetches are in flight.
2. Dedup (``seen.py``): a URL stored or in flight is skipped unless the event says refresh.
3. Politeness (``scheduler.py``, ``robots.py``): the domain's queue waits for its next start
   slot and for robots.txt without holding a global fetch slot.
4. A retriable failure (timeout, 5xx, 429, robots.txt unavailable) goes to news.url.retry
   with ``attempt + 1`` and a not-before time (Retry-After wins); the retry agent sleeps there,
   not in the partition, and puts it back on news.url.submitted. After the last attempt, and
   for every permanent failure, the URL goes to the DLQ with its reason.
5. A refresh whose page answers 304 or has the same bytes as before publishes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import EventT

from newswire.errors import NewswireError, Permanent, RateLimited, Retriable
from newswire.events import PageFetched, UrlSubmitted, cloudevent_headers, decode, encode
from newswire.kafka import client_options, make_consumer
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.urls import article_id, domain_key
from services.ingest.fetch import FetchedPage, FetchPolicy, ShardedClient, fetch
from services.ingest.metrics import IngestMetrics
from services.ingest.robots import RobotsCache, origin_of
from services.ingest.scheduler import DomainScheduler
from services.ingest.seen import SeenEntry, SeenTable

__all__ = ["NOT_BEFORE_HEADER", "create_runtime", "main"]

log = logging.getLogger(__name__)
NOT_BEFORE_HEADER = "newswire.not_before"


def _tag(exc: NewswireError, event: UrlSubmitted) -> NewswireError:
    exc.url = event.url  # type: ignore[attr-defined]
    exc.submitted_url = event.submitted_url  # type: ignore[attr-defined]
    return exc


def _headers(message: Any) -> dict[str, bytes]:
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return {k: v for k, v in items}


def _manual_ack_agent(rt: ServiceRuntime, topic: str, name: str, limit: int,
                      work: Callable[[EventT], Awaitable[None]],
                      pending_gauge: Any | None = None) -> None:
    """A Faust agent that runs ``work`` for up to ``limit`` records at once and acks each
    record only when its work is finished (Faust commits the highest contiguous acked
    offset, so nothing is committed before it is done)."""
    slots = asyncio.Semaphore(limit)
    tasks: set[asyncio.Task[None]] = set()

    async def one(stream: faust.StreamT, event: EventT) -> None:
        done = False
        try:
            await work(event)
            done = True
        finally:
            slots.release()
            if pending_gauge is not None:
                pending_gauge.dec()
            if done:  # a cancelled (shut down) record stays unacked and is redelivered
                await stream.ack(event)

    async def consume(stream: faust.StreamT) -> None:
        manual = stream.noack()
        async for event in manual.events():
            await slots.acquire()
            if pending_gauge is not None:
                pending_gauge.inc()
            task = asyncio.create_task(one(manual, event))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    consume.__name__ = name
    rt.app.agent(rt.stage.topic(topic), name=name, concurrency=1)(consume)


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.ingest
    rt = ServiceRuntime("ingest", settings, cfg.metrics_host, cfg.metrics_port)
    metrics = IngestMetrics(rt.registry)
    policy = FetchPolicy.from_settings(cfg)
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

    async def write_seen(url: str, value: bytes) -> None:
        fut = await rt.stage.topic(rt.topics.url_seen).send(key=url.encode(), value=value)
        await fut

    seen = SeenTable(write_seen, inflight_ttl=cfg.inflight_ttl, failed_ttl=cfg.inflight_ttl)
    background: list[asyncio.Task[None]] = []

    async def start() -> None:
        get_client()  # built before the first URL, not while it waits
        await _compact(settings, rt.topics.url_seen)
        consumer = make_consumer(settings.kafka, group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest")
        await seen.start(consumer, rt.topics.url_seen)
        from services.ingest.poller import configured_feeds

        feeds = configured_feeds(cfg)
        if feeds:
            background.append(asyncio.create_task(_poller(feeds).run(cfg.poll_interval)))

    async def stop() -> None:
        for task in background:
            task.cancel()
        await seen.stop()
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

    def retry_delay(exc: Retriable, attempt: int) -> float:
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, cfg.retry_max_seconds)
        return min(cfg.retry_base_seconds * (2 ** attempt) * random.uniform(0.8, 1.2),
                   cfg.retry_max_seconds)

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
            page = await fetch(url, get_client(), policy, headers=headers)
        except Retriable:
            metrics.fetch_duration.labels("retriable").observe(time.perf_counter() - started)
            raise
        except Permanent:
            metrics.fetch_duration.labels("failed").observe(time.perf_counter() - started)
            raise
        metrics.fetch_duration.labels("ok").observe(time.perf_counter() - started)
        metrics.fetch_bytes.inc(len(page.body))
        metrics.response_size.observe(len(page.body))
        return page

    async def handle(event: EventT) -> None:
        submitted = decode(UrlSubmitted, event.message.value)
        await seen.ready.wait()
        url = submitted.url
        if seen.claim(url, submitted.event_id, refresh=submitted.refresh) == "duplicate":
            metrics.skipped.labels("duplicate").inc()
            return
        claim = seen.get(url)
        assert claim is not None
        await seen.record(url, claim)
        conditional: dict[str, str] = {}
        if submitted.refresh and claim.etag:
            conditional["If-None-Match"] = claim.etag
        if submitted.refresh and claim.last_modified:
            conditional["If-Modified-Since"] = claim.last_modified
        domain = domain_key(url)

        def failed() -> SeenEntry:
            return SeenEntry("failed", time.time(), submitted.event_id, claim.etag,
                             claim.last_modified, claim.body_hash)

        try:
            page: FetchedPage = await scheduler.run(
                domain, url, origin_of(url), lambda: fetch_once(url, conditional or None))
        except Retriable as exc:
            if isinstance(exc, RateLimited) and exc.retry_after:
                scheduler.backoff(domain, min(exc.retry_after, cfg.retry_max_seconds))
            if submitted.attempt < cfg.retries:
                await requeue(submitted, retry_delay(exc, submitted.attempt))
                metrics.fetches.labels("retried", exc.reason).inc()
                metrics.retries.labels(exc.reason).inc()
                return
            metrics.fetches.labels("failed", exc.reason).inc()
            await seen.record(url, failed())
            final = Permanent(f"{exc.detail} (after {submitted.attempt + 1} attempts)")
            final.reason = exc.reason
            raise _tag(final, submitted) from None
        except Permanent as exc:
            metrics.fetches.labels("failed", exc.reason).inc()
            await seen.record(url, failed())
            raise _tag(exc, submitted) from None
        body_hash = hashlib.sha256(page.body).hexdigest() if page.status != 304 else None
        done = SeenEntry("done", time.time(), submitted.event_id,
                         page.etag or claim.etag, page.last_modified or claim.last_modified,
                         body_hash or claim.body_hash)
        if page.status == 304 or (claim.body_hash and body_hash == claim.body_hash):
            metrics.fetches.labels("ok", "not_modified").inc()
            metrics.skipped.labels("unchanged").inc()
            await seen.record(url, done)
            return
        metrics.fetches.labels("ok", "none").inc()
        fetched = PageFetched.with_html(
            page.body, submitted_url=submitted.submitted_url, url=url,
            final_url=page.final_url, status=page.status, content_type=page.content_type,
            fetched_at=page.fetched_at, etag=page.etag, last_modified=page.last_modified)
        await rt.stage.publish(rt.topics.page_fetched, article_id(url), fetched)
        await seen.record(url, done)

    async def handle_submitted(event: EventT) -> None:
        await rt.stage.handle(event, handle)

    async def release_retry(event: EventT) -> None:
        message = event.message
        headers = _headers(message)
        try:
            not_before = float(headers.pop(NOT_BEFORE_HEADER, b"0"))
        except ValueError:
            not_before = 0.0
        wait = min(not_before - time.time(), cfg.retry_max_seconds)
        if wait > 0:
            await asyncio.sleep(wait)
        delay = 0.5
        while True:
            try:
                fut = await rt.stage.topic(rt.topics.url_submitted).send(
                    key=message.key, value=message.value, headers=headers)
                await fut
                return
            except (KafkaError, OSError) as exc:
                log.warning("retry re-publish failed (%s); trying again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    _manual_ack_agent(rt, rt.topics.url_submitted, "ingest_fetch", cfg.max_pending,
                      handle_submitted, metrics.pending)
    _manual_ack_agent(rt, rt.topics.url_retry, "ingest_retry", cfg.max_pending, release_retry)
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
