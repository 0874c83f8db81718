"""extract: news.page.fetched -> clean article -> news.article.extracted,
then the claims stage: news.article.extracted -> claims -> news.article.enriched.

Both stages hand the raw record to the parser pool (services/extract/work.py) and publish the
encoded event it returns, so this process's event loop stays free to heartbeat, commit and
serve /metrics while pages are parsed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import orjson
from faust.types import EventT
from prometheus_client import Histogram

from newswire.errors import NewswireError
from newswire.events import PAGE_HEADER
from newswire.logs import annotate
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.stage import Stage
from services.extract.pool import ParserPool
from services.extract.work import Output, enrich_record, extract_record, ping, warm_up

__all__ = ["create_runtime", "main"]


def _urls_of(value: bytes | None, headers: dict[str, bytes] | None = None
             ) -> tuple[str | None, str | None]:
    """The URL fields of a record whose processing failed outside the parser's control (a
    version 2 page record has them in its header, not in its value)."""
    page = (headers or {}).get(PAGE_HEADER)
    try:
        obj = orjson.loads(page if page is not None else value or b"")
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(obj, dict):
        return None, None
    url, submitted = obj.get("url"), obj.get("submitted_url")
    return (url if isinstance(url, str) else None,
            submitted if isinstance(submitted, str) else None)


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.extract
    rt = ServiceRuntime("extract", settings, cfg.metrics_host, cfg.metrics_port)
    claims_stage = Stage(rt.app, "claims", rt.metrics, rt.topics)
    words = Histogram("newswire_article_words", "Words per extracted article",
                      buckets=(50, 100, 250, 500, 1000, 2000, 5000, 10000), registry=rt.registry)
    claims_hist = Histogram("newswire_claims_per_article", "Claims found per article",
                            buckets=(0, 1, 2, 5, 10, 20, 50, 100), registry=rt.registry)
    pool: ParserPool | None = None

    def get_pool() -> ParserPool:
        nonlocal pool
        if pool is None:
            pool = ParserPool(cfg.worker_count, cfg.worker_memory_mb,
                              functools.partial(warm_up, cfg.claims_enabled))
        return pool

    async def check_pool() -> None:
        # Fail at start-up (and be restarted, visibly) if a parser process cannot even start,
        # e.g. a model that does not load, instead of failing every page later.
        await get_pool().run(ping, budget=300)

    async def close_pool() -> None:
        if pool is not None:
            pool.close()

    rt.startup_hooks.append(check_pool)
    rt.shutdown_hooks.append(close_pool)

    async def run(fn: Callable[..., Output], value: bytes | None, *args: object,
                  budget: float, headers: dict[str, bytes] | None = None) -> Output:
        try:
            return await get_pool().run(fn, value, *args, budget=budget)
        except NewswireError as exc:
            if exc.url is None:  # a timeout or crash: the worker could not say
                exc.with_url(*_urls_of(value, headers))
            raise

    async def handle_page(event: EventT[Any]) -> None:
        message = event.message
        headers = dict(message.headers or [])  # a version 2 page's event is in a header
        out = await run(extract_record, message.value, headers, budget=cfg.budget_seconds,
                        headers=headers)
        annotate(article_id=out.key, url=out.url)
        words.observe(out.words)
        await rt.stage.publish_encoded(rt.topics.article_extracted, out.key, out.value,
                                       out.headers)

    async def handle_article(event: EventT[Any]) -> None:
        if cfg.claims_enabled:
            out = await run(enrich_record, event.message.value, cfg.claims_budget_seconds,
                            True, budget=cfg.claims_budget_seconds + 5)
        else:  # a pass-through: cheaper here than a round trip to a parser process
            out = enrich_record(event.message.value, 0, False)
        annotate(article_id=out.key, url=out.url)
        claims_hist.observe(out.claims)
        await claims_stage.publish_encoded(rt.topics.article_enriched, out.key, out.value,
                                           out.headers)

    # Enough records in flight to keep every parser process busy.
    rt.stage.agent(rt.topics.page_fetched, handle_page, concurrency=max(cfg.concurrency, 2))
    claims_stage.agent(rt.topics.article_extracted, handle_article,
                       concurrency=max(cfg.concurrency, 2))
    return rt


def main(settings: Settings) -> None:
    create_runtime(settings).run()
