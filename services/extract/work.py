"""What runs inside the parser processes: whole records in, whole records out.

The service's event loop only moves bytes between Kafka and these functions; decoding the
event, inflating the page, extracting, finding claims and encoding the next event all happen
here, off the loop and on every core. Errors are newswire errors carrying the URL, so the
adapter can dead-letter them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from newswire.errors import InvalidUrl, NewswireError
from newswire.events import (
    ArticleEnriched,
    ArticleExtracted,
    cloudevent_headers,
    decode,
    decode_page,
    encode,
)
from newswire.urls import article_id, canonicalize, same_site

__all__ = ["Output", "choose_canonical", "enrich_record", "extract_record", "ping", "warm_up"]

MAX_HTML_BYTES = 10 * 1024 * 1024
_META_KEYS = ("authors", "modified", "categories", "tags", "image", "is_free", "page_type",
              "word_count", "site_name")


@dataclass(frozen=True, slots=True)
class Output:
    """The next event, encoded, with what the adapter needs to publish and count it."""

    key: str
    value: bytes
    headers: dict[str, bytes]
    url: str = ""
    words: int = 0
    claims: int = 0


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


def extract_record(value: bytes | None, headers: dict[str, bytes] | None = None) -> Output:
    """news.page.fetched record (either version, see newswire/events.py) -> encoded
    news.article.extracted event. The page is inflated here, once."""
    from services.extract.extraction import extract_article

    page = decode_page(value, headers)
    try:
        article = extract_article(page.html(MAX_HTML_BYTES), page.final_url)
    except NewswireError as exc:
        raise exc.with_url(page.url, page.submitted_url) from None
    data: dict[str, Any] = article.to_dict()
    canonical = choose_canonical(page.url, data.get("canonical_url"))
    authors = data.get("authors") or []
    event = ArticleExtracted(
        submitted_url=page.submitted_url, article_id=article_id(canonical), url=page.url,
        canonical_url=canonical, final_url=page.final_url, title=data.get("title"),
        text=article.text, author=", ".join(authors) or None,
        published=data.get("published"), language=data.get("language"),
        site=data.get("site_name"), fetched_at=page.fetched_at,
        content_hash=hashlib.sha256(article.text.encode("utf-8")).hexdigest(),
        metadata={k: data.get(k) for k in _META_KEYS})
    return Output(event.article_id, encode(event), cloudevent_headers(event, "newswire/extract"),
                  url=event.url, words=int(data.get("word_count") or 0))


def enrich_record(value: bytes | None, budget: float, claims_enabled: bool) -> Output:
    """news.article.extracted record -> encoded news.article.enriched event with claims."""
    article = decode(ArticleExtracted, value)
    claims: list[dict[str, Any]] = []
    partial = False
    if claims_enabled:
        from services.extract.claims import find_claims

        result = find_claims(article.text, budget_seconds=budget)
        claims, partial = [c.to_dict() for c in result.claims], result.partial
    fields = article.model_dump(exclude={"event_id", "occurred_at"})
    event = ArticleEnriched(**fields, claims=claims, claims_partial=partial)
    return Output(event.article_id, encode(event), cloudevent_headers(event, "newswire/claims"),
                  url=event.url, claims=len(claims))


def warm_up(claims: bool) -> None:
    """Import the heavy modules (and load models) once per worker, before the first page."""
    from services.extract.extraction import warm_up as extraction_warm_up

    extraction_warm_up()
    if claims:
        from services.extract.claims import warm_up as claims_warm_up

        claims_warm_up()


def ping() -> bool:
    """Proves a worker started (its warm-up ran) before the service takes records."""
    return True
