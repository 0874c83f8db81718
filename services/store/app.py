"""store: news.article.enriched and every DLQ -> the database; serves the query API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping

import httpx
from aiohttp import web
from faust.types import EventT

from newswire.events import ArticleEnriched, Failure, decode
from newswire.kafka import wait_for_broker
from newswire.logs import annotate
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.web import health_routes, start_site
from services.store.api import api_routes, errors_middleware
from services.store.db import Store
from services.store.explorer import explorer_routes

__all__ = ["create_runtime", "failure_from_record", "main"]

log = logging.getLogger(__name__)
_STAGES = ("submit", "ingest", "extract", "claims", "store")


def _header(headers: Mapping[str, bytes], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def failure_from_record(topic: str, partition: int, offset: int,
                        headers: Mapping[str, bytes]) -> Failure:
    """Rebuild the Failure from a DLQ record's headers (tolerating records without them)."""
    stage = _header(headers, "newswire.stage") or "unknown"
    origin_topic = _header(headers, "__connect.errors.topic") or topic.removesuffix(".dlq")
    try:
        origin_partition = int(_header(headers, "__connect.errors.partition") or partition)
        origin_offset = int(_header(headers, "__connect.errors.offset") or offset)
    except ValueError:
        origin_partition, origin_offset = partition, offset
    return Failure(
        submitted_url=_header(headers, "newswire.submitted_url") or "",
        url=_header(headers, "newswire.url") or None,
        stage=stage if stage in _STAGES else "store",  # type: ignore[arg-type]
        reason=_header(headers, "newswire.reason") or "unknown",
        detail=_header(headers, "__connect.errors.exception.message") or "no detail",
        topic=origin_topic, partition=origin_partition, offset=origin_offset)


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.store
    rt = ServiceRuntime("store", settings, cfg.metrics_host, cfg.metrics_port)
    store = Store(settings.store_url)
    rt.stage.retry_max_seconds = max(cfg.retry_seconds * 4, 2.0)

    async def handle_article(event: EventT) -> None:
        article = decode(ArticleEnriched, event.message.value)
        annotate(article_id=article.article_id, url=article.url)
        await asyncio.to_thread(store.upsert_article, article)

    async def handle_dlq(event: EventT) -> None:
        message = event.message
        headers = {k: v for k, v in (message.headers or [])}
        failure = failure_from_record(message.topic, message.partition, message.offset, headers)
        await asyncio.to_thread(store.record_failure, failure)

    rt.stage.agent(rt.topics.article_enriched, handle_article, concurrency=1)
    for topic in rt.topics.all():
        if topic.endswith(".dlq"):
            rt.stage.agent(topic, handle_dlq, concurrency=1)

    # The query API, on its own port, with the same health endpoints.
    api = web.Application(client_max_size=1024 * 1024, middlewares=[errors_middleware])
    api.add_routes(api_routes(store))
    api.add_routes(explorer_routes())
    broker_seen = {"at": 0.0}

    async def pipeline_ready() -> tuple[bool, dict[str, object]]:
        detail: dict[str, object] = {}
        now = time.monotonic()
        if now - broker_seen["at"] > 5:
            try:
                await wait_for_broker(settings.kafka, timeout=3)
                broker_seen["at"] = now
            except TimeoutError as exc:
                return False, {"broker": f"unreachable: {exc}"}
        detail["broker"] = "reachable"
        own_ok, own = await rt.ready()
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

    api.add_routes(health_routes(rt.registry, pipeline_ready))
    api_runner: dict[str, web.AppRunner] = {}

    async def start_api() -> None:
        await asyncio.to_thread(store.migrate)
        api_runner["r"] = await start_site(api, settings.api.host, settings.api.port)
        log.info("store API on http://%s:%s", settings.api.host, settings.api.port)

    async def stop_api() -> None:
        if "r" in api_runner:
            await api_runner["r"].cleanup()
        store.close()

    rt.startup_hooks.append(start_api)
    rt.shutdown_hooks.append(stop_api)
    return rt


def main(settings: Settings) -> None:
    create_runtime(settings).run()
