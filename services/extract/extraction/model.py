"""The extraction result: plain data, picklable, one JSON-ready dict away from an event."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ExtractedArticle"]


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    text: str  # clean body text, paragraphs separated by "\n"
    title: str | None = None
    authors: list[str] = field(default_factory=list)  # [] when unknown
    published: str | None = None  # ISO 8601 date or datetime string
    modified: str | None = None
    site_name: str | None = None
    language: str | None = None  # ISO 639-1 like "en"
    canonical_url: str | None = None  # rel=canonical / og:url, absolute, as found
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: str | None = None  # lead image URL
    is_free: bool | None = None  # False when the page says it is not accessible for free
    page_type: str = "article"  # "article" | "other"
    word_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
