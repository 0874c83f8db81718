"""extract: news.page.fetched -> clean article -> news.article.extracted,
then the claims stage: news.article.extracted -> claims -> news.article.enriched."""

from __future__ import annotations

import functools
from typing import Any

from faust.types import EventT
from prometheus_client import Histogram

from newswire.errors import InvalidUrl, NewswireError
from newswire.events import ArticleEnriched, ArticleExtracted, PageFetched, decode
from newswire.service import ServiceRuntime
from newswire.settings import Settings
from newswire.stage import Stage
from newswire.urls import article_id, canonicalize, same_site
from services.extract.pool import ParserPool
from services.extract.work import claims_for_text, extract_page, ping, warm_up

__all__ = ["choose_canonical", "create_runtime", "main"]

_META_KEYS = ("authors", "modified", "categories", "tags", "image", "is_free", "page_type",
              "word_count", "site_name")


def choose_canonical(submitted: str, declared: str | None) -> str:
    """The page's rel=canonical / og:url when it is on the same site, else the submitted
    URL (both canonicalised): an article id must not be hijackable by another site."""
    if declared:
        try:
            candidate = canonicalize(declared)
        except InvalidUrl:
            return submitted
        if same_site(candidate, submitted):
            return candidate
    return submitted


def create_runtime(settings: Settings) -> ServiceRuntime:
    cfg = settings.extract
    rt = ServiceRuntime("extract", settings, cfg.metrics_host, cfg.metrics_port)
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

    async def close_pool() -> None:
        if pool is not None:
            pool.close()

    async def check_pool() -> None:
        # Fail at start-up (and be restarted, visibly) if a parser process cannot even start,
        # e.g. a model that does not load, instead of failing every page later.
        await get_pool().run(ping, budget=300)

    rt.startup_hooks.append(check_pool)
    rt.shutdown_hooks.append(close_pool)

    async def handle_page(event: EventT) -> None:
        page = decode(PageFetched, event.message.value)
        try:
            data: dict[str, Any] = await get_pool().run(
                extract_page, page.html_z, page.final_url, budget=cfg.budget_seconds)
        except NewswireError as exc:
            exc.url = page.url  # type: ignore[attr-defined]
            exc.submitted_url = page.submitted_url  # type: ignore[attr-defined]
            raise
        canonical = choose_canonical(page.url, data.get("canonical_url"))
        aid = article_id(canonical)
        words.observe(data.get("word_count") or 0)
        authors = data.get("authors") or []
        article = ArticleExtracted(
            submitted_url=page.submitted_url, article_id=aid, url=page.url,
            canonical_url=canonical, final_url=page.final_url, title=data.get("title"),
            text=data["text"], author=", ".join(authors) or None,
            published=data.get("published"), language=data.get("language"),
            site=data.get("site_name"), fetched_at=page.fetched_at,
            content_hash=data["content_hash"],
            metadata={k: data.get(k) for k in _META_KEYS})
        await rt.stage.publish(rt.topics.article_extracted, aid, article)

    async def handle_article(event: EventT) -> None:
        article = decode(ArticleExtracted, event.message.value)
        claims: list[dict[str, Any]] = []
        partial = False
        if cfg.claims_enabled:
            try:
                claims, partial = await get_pool().run(
                    claims_for_text, article.text, cfg.claims_budget_seconds,
                    budget=cfg.claims_budget_seconds + 5)
            except NewswireError as exc:
                exc.url = article.url  # type: ignore[attr-defined]
                exc.submitted_url = article.submitted_url  # type: ignore[attr-defined]
                raise
        claims_hist.observe(len(claims))
        enriched = ArticleEnriched(**article.model_dump(exclude={"event_id", "occurred_at"}),
                                   claims=claims, claims_partial=partial)
        await claims_stage.publish(rt.topics.article_enriched, article.article_id, enriched)

    # Enough records in flight to keep every parser process busy.
    rt.stage.agent(rt.topics.page_fetched, handle_page, concurrency=max(cfg.concurrency, 2))
    claims_stage = Stage(rt.app, "claims", rt.metrics, rt.topics)
    claims_stage.agent(rt.topics.article_extracted, handle_article,
                   concurrency=max(cfg.concurrency, 2))
    return rt


def main(settings: Settings) -> None:
    create_runtime(settings).run()
