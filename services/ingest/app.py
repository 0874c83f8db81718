"""ingest: news.url.submitted -> fetch -> news.page.fetched (failures -> .dlq)."""

from __future__ import annotations

import asyncio
import time

import httpx
from faust.types import EventT

from newswire.errors import NewswireError, Permanent, RateLimited, Retriable
from newswire.events import PageFetched, UrlSubmitted, decode
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.urls import article_id, domain_key
from services.ingest.fetch import FetchedPage, FetchPolicy, fetch, make_client
from services.ingest.metrics import IngestMetrics
from services.ingest.politeness import DomainThrottle

__all__ = ["create_runtime", "main"]


def _tag(exc: NewswireError, event: UrlSubmitted) -> NewswireError:
    exc.url = event.url  # type: ignore[attr-defined]
    exc.submitted_url = event.submitted_url  # type: ignore[attr-defined]
    return exc


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.ingest
    rt = ServiceRuntime("ingest", settings, cfg.metrics_host, cfg.metrics_port)
    metrics = IngestMetrics(rt.registry)
    policy = FetchPolicy.from_settings(cfg)
    throttle = DomainThrottle(cfg.per_domain_rps)
    client: httpx.AsyncClient | None = None

    def get_client() -> httpx.AsyncClient:
        nonlocal client
        if client is None:
            client = make_client(cfg)
        return client

    async def close_client() -> None:
        if client is not None:
            await client.aclose()

    rt.shutdown_hooks.append(close_client)

    async def fetch_with_retries(event: UrlSubmitted) -> FetchedPage:
        delay = 0.5
        for attempt in range(cfg.retries + 1):
            await throttle.wait(domain_key(event.url))
            started = time.perf_counter()
            metrics.in_flight.inc()
            try:
                page = await fetch(event.url, get_client(), policy)
            except Retriable as exc:
                metrics.fetch_duration.labels("retriable").observe(time.perf_counter() - started)
                if attempt == cfg.retries:
                    metrics.fetches.labels("failed", exc.reason).inc()
                    raise _FinalAttempt(exc) from None
                metrics.retries.labels(exc.reason).inc()
                wait = delay
                if isinstance(exc, RateLimited) and exc.retry_after is not None:
                    wait = min(exc.retry_after, 60.0)
                await asyncio.sleep(wait)
                delay *= 2
                continue
            except Permanent as exc:
                metrics.fetch_duration.labels("failed").observe(time.perf_counter() - started)
                metrics.fetches.labels("failed", exc.reason).inc()
                raise
            finally:
                metrics.in_flight.dec()
            metrics.fetch_duration.labels("ok").observe(time.perf_counter() - started)
            metrics.fetches.labels("ok", "none").inc()
            metrics.fetch_bytes.inc(len(page.body))
            metrics.response_size.observe(len(page.body))
            return page
        raise AssertionError("unreachable")

    async def handle(event: EventT) -> None:
        submitted = decode(UrlSubmitted, event.message.value)
        try:
            page = await fetch_with_retries(submitted)
        except _FinalAttempt as final:
            raise _tag(final.as_permanent(), submitted) from None
        except NewswireError as exc:
            raise _tag(exc, submitted)
        fetched = PageFetched.with_html(
            page.body, submitted_url=submitted.submitted_url, url=submitted.url,
            final_url=page.final_url, status=page.status, content_type=page.content_type,
            fetched_at=page.fetched_at, etag=page.etag, last_modified=page.last_modified)
        await rt.stage.publish(rt.topics.page_fetched, article_id(submitted.url), fetched)

    rt.stage.agent(rt.topics.url_submitted, handle, concurrency=cfg.concurrency)
    return rt


class _FinalAttempt(Exception):
    """A retriable error on the last attempt: recorded as a permanent failure, same reason."""

    def __init__(self, exc: Retriable) -> None:
        super().__init__(exc.detail)
        self.exc = exc

    def as_permanent(self) -> Permanent:
        failure = Permanent(f"{self.exc.detail} (after retries)")
        failure.reason = self.exc.reason
        return failure


def main(settings: Settings) -> None:
    create_runtime(settings).run()
