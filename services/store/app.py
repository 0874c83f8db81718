"""store: news.article.enriched and every DLQ -> the database; serves the query API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from aiohttp import web
from faust.types import EventT

from newswire.dlq import failure_from_headers
from newswire.errors import Permanent, Retriable
from newswire.events import ArticleEnriched, Failure, decode
from newswire.kafka import wait_for_broker
from newswire.logs import annotate
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.submit import Submitter
from newswire.topics import Topics
from newswire.web import ReadyCheck, health_routes, start_site
from services.store.api import api_app
from services.store.db import Store
from services.store.explorer import explorer_routes

__all__ = ["create_runtime", "main", "pipeline_readiness", "record_dlq_record"]

log = logging.getLogger(__name__)


def record_dlq_record(store: Store, topic: str, partition: int, offset: int,
                      headers: Mapping[str, bytes]) -> None:
    """Record the failure a DLQ record stands for. A DLQ is the end of the line: a record
    that cannot be stored is never dead-lettered again (nobody reads ``<topic>.dlq.dlq``); it
    leaves a minimal row keyed by its own coordinates, or failing that a log line, and is
    acked. A database outage (Retriable) still propagates, to be retried."""
    try:
        store.record_failure(failure_from_headers(topic, partition, offset, headers))
        return
    except Retriable:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever it is, this record ends here
        why = f"{type(exc).__name__}: {exc}"[:500]
    log.error("DLQ record %s[%d]@%d could not be stored (%s); recording a minimal row",
              topic, partition, offset, why)
    try:
        store.record_failure(Failure(
            submitted_url="", url=None, stage="store", reason="unrecordable_dlq_record",
            detail=why, topic=topic, partition=partition, offset=offset))
    except Retriable:
        raise
    except Exception as exc:  # noqa: BLE001
        log.error("DLQ record %s[%d]@%d not recorded: %s: %s; acked", topic, partition,
                  offset, type(exc).__name__, exc)


def pipeline_readiness(settings: Settings, own_ready: ReadyCheck) -> ReadyCheck:
    """The API's /readyz: the broker answers and every stage is ready. Each check reports
    only a generic status (no broker address, no driver message)."""
    broker_seen = {"at": 0.0}

    async def pipeline_ready() -> tuple[bool, dict[str, object]]:
        detail: dict[str, object] = {}
        now = time.monotonic()
        if now - broker_seen["at"] > 5:
            try:
                await wait_for_broker(settings.kafka, timeout=3)
                broker_seen["at"] = now
            except TimeoutError:  # its message names the brokers: not for this endpoint
                return False, {"broker": "unreachable"}
        detail["broker"] = "reachable"
        own_ok, _ = await own_ready()
        stages: dict[str, object] = {"store": own_ok}
        async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
            for name, url in settings.metrics_urls().items():
                if name == "store":
                    continue
                try:
                    resp = await client.get(url.removesuffix("/metrics") + "/readyz")
                    stages[name] = resp.status_code == 200
                except httpx.HTTPError:
                    stages[name] = False
        detail["stages"] = stages
        return all(bool(v) for v in stages.values()), detail

    return pipeline_ready


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.store
    rt = ServiceRuntime("store", settings, cfg.metrics_host, cfg.metrics_port)
    store = Store(settings.store_url)
    rt.stage.retry_max_seconds = max(cfg.retry_seconds * 4, 2.0)

    async def handle_article(event: EventT[Any]) -> None:
        article = decode(ArticleEnriched, event.message.value)
        annotate(article_id=article.article_id, url=article.url)
        try:
            await asyncio.to_thread(store.upsert_article, article)
        except Permanent as exc:  # the Failure names the article's URL, not just an offset
            exc.with_url(article.url, article.submitted_url)
            raise

    async def handle_articles(events: list[EventT[Any]]) -> list[dict[str, Any]]:
        articles = [decode(ArticleEnriched, e.message.value) for e in events]
        await asyncio.to_thread(store.upsert_articles, articles)
        return [{"article_id": a.article_id, "url": a.url} for a in articles]

    async def handle_dlq(event: EventT[Any]) -> None:
        message = event.message
        headers = dict(message.headers or [])
        await asyncio.to_thread(record_dlq_record, store, message.topic, message.partition,
                                message.offset, headers)

    rt.stage.batch_agent(rt.topics.article_enriched, handle_articles, handle_article,
                         size=cfg.batch_size, within=cfg.batch_seconds)
    for topic in rt.topics.all():
        if Topics.is_dlq(topic):
            rt.stage.agent(topic, handle_dlq, concurrency=1)

    # POST /urls publishes like `newswire submit`; refused addresses are reported up front.
    submitter = Submitter(settings, screen_addresses=True)
    # The query API, on its own port, with the same health endpoints.
    api = api_app(store, submitter,
                  [*health_routes(rt.registry, pipeline_readiness(settings, rt.ready)),
                   *explorer_routes()])
    api_runner: dict[str, web.AppRunner] = {}

    async def start_api() -> None:
        await asyncio.to_thread(store.migrate)
        api_runner["r"] = await start_site(api, settings.api.host, settings.api.port)
        log.info("store API on http://%s:%s", settings.api.host, settings.api.port)

    async def stop_api() -> None:
        if "r" in api_runner:
            await api_runner["r"].cleanup()
        await submitter.stop()
        store.close()

    rt.startup_hooks.append(start_api)
    rt.shutdown_hooks.append(stop_api)
    return rt


def main(settings: Settings) -> None:
    create_runtime(settings).run()
