"""Topic names and how each is keyed and partitioned."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL_STAGE_TOPICS", "Topics"]

URL_SUBMITTED = "news.url.submitted"
PAGE_FETCHED = "news.page.fetched"
ARTICLE_EXTRACTED = "news.article.extracted"
ARTICLE_ENRICHED = "news.article.enriched"
ALL_STAGE_TOPICS = (URL_SUBMITTED, PAGE_FETCHED, ARTICLE_EXTRACTED, ARTICLE_ENRICHED)
# ingest's own topics: URLs waiting for a retry (key: domain, header newswire.not_before),
# and the dedup state of every URL (key: canonical URL; compacted where the broker can).
URL_RETRY = "news.url.retry"
URL_SEEN = "news.url.seen"
INGEST_TOPICS = (URL_RETRY, URL_SEEN)


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names under an optional namespace prefix (several pipelines, one cluster)."""

    namespace: str = ""

    def name(self, base: str) -> str:
        return f"{self.namespace}{base}"

    @property
    def url_submitted(self) -> str:
        return self.name(URL_SUBMITTED)

    @property
    def page_fetched(self) -> str:
        return self.name(PAGE_FETCHED)

    @property
    def article_extracted(self) -> str:
        return self.name(ARTICLE_EXTRACTED)

    @property
    def article_enriched(self) -> str:
        return self.name(ARTICLE_ENRICHED)

    @property
    def url_retry(self) -> str:
        return self.name(URL_RETRY)

    @property
    def url_seen(self) -> str:
        return self.name(URL_SEEN)

    @staticmethod
    def dlq(topic: str) -> str:
        return f"{topic}.dlq"

    @staticmethod
    def is_dlq(topic: str) -> bool:
        return topic.endswith(".dlq")

    def all(self) -> list[str]:
        names = [self.name(t) for t in ALL_STAGE_TOPICS]
        return (names + [self.dlq(t) for t in names]
                + [self.name(t) for t in INGEST_TOPICS])

    def group(self, service: str) -> str:
        return f"{self.namespace}newswire-{service}"
