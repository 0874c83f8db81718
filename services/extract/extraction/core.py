"""extract_article: one HTML page in, clean article text and metadata out (no Kafka here)."""

from __future__ import annotations

import logging

import trafilatura

from newswire.errors import EmptyExtraction, NewswireError

from .model import ExtractedArticle

__all__ = ["extract_article"]

log = logging.getLogger(__name__)


def _split_authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [a.strip() for a in value.split(";") if a.strip()]


def extract_article(html: str | bytes, url: str | None = None) -> ExtractedArticle:
    """Raises EmptyExtraction when no body text can be found, NotAnArticle when the page is
    clearly not an article. Never raises anything else."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, favor_precision=True, with_metadata=True
        )
    except NewswireError:
        raise
    except Exception as exc:  # library errors are converted at this edge
        raise EmptyExtraction(f"extractor failed: {type(exc).__name__}: {exc}") from None
    if doc is None or not (doc.text or "").strip():
        raise EmptyExtraction("no article text found")
    text = doc.text.strip()
    return ExtractedArticle(
        text=text,
        title=doc.title or None,
        authors=_split_authors(doc.author),
        published=doc.date or None,
        site_name=doc.sitename or None,
        language=doc.language or None,
        canonical_url=doc.url or None,
        categories=list(doc.categories or []),
        tags=list(doc.tags or []),
        image=doc.image or None,
        page_type="article",
        word_count=len(text.split()),
    )
