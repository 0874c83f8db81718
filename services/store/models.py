"""Every body the store API answers with (and the one it accepts), as typed models: the one
place the API's shapes are written down. openapi.py generates the OpenAPI document from them,
and the tests validate real responses against that document.

Response models forbid fields they do not declare, so a field added to a response without
being added here fails the API's schema test instead of going undocumented.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_QUERY_CHARS", "MAX_QUERY_WORDS", "MAX_SUBMIT_URLS", "Accepted", "Article",
    "ArticleClaims", "ArticleList", "ArticleSummary",
    "Claim", "ClaimList", "Corroboration", "Duplicate", "Error", "FailedArticle", "FailureList",
    "FailureRow", "Live", "PendingArticle", "Ready", "Rejected", "SearchHit", "SearchResults",
    "Speaker", "SpeakerList", "Stats", "Story", "StoryArticle", "StoryDetail", "StoryList",
    "SubmitRequest", "Submitted",
]

MAX_SUBMIT_URLS = 1000
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
_NEXT = Field(description="opaque cursor for the next page (keyset pagination): pass it back "
                          "as `cursor`; null on the last page")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(Body):
    error: str = Field(description="what was wrong, for a person to read")


class Corroboration(Body):
    article_id: str
    url: str
    claim_index: int
    site: str | None
    similarity: float
    match: Literal["quote", "paraphrase"] = Field(
        description="quote: the same, a trimmed or a fragment of the quoted words (word "
                    "3-grams); paraphrase: the same statement in other words (content words)")


class Claim(Body):
    article_id: str
    index: int
    kind: Literal["quote", "statement"]
    text: str
    start: int
    end: int
    direct: bool
    speaker: str | None = Field(description="resolved speaker phrase (short mentions such as "
                                            "'Berg' resolved to the fullest form in the article)")
    speaker_name: str | None = Field(description="the person's name without the role")
    speaker_mention: str | None = Field(description="the speaker as the claims stage "
                                                    "attributed it")
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    checkworthiness: float
    type: str | None
    confidence: float | None = Field(
        description="how sure the claims stage is of this attribution, 0-1 (the precision "
                    "knob; null for claims stored before it was computed)")
    seen_at: str = Field(description="when the claim's article was fetched (UTC)")
    article_url: str
    article_title: str | None
    site: str | None = Field(description="the article's registrable domain")
    corroborated_by: list[Corroboration] = Field(
        description="the same or nearly the same statement by the same speaker in articles "
                    "from other sites")


class Duplicate(Body):
    id: str
    url: str


class Article(Body):
    status: Literal["ok"]
    id: str
    url: str
    canonical_url: str
    title: str | None
    text: str
    author: str | None
    published: str | None
    language: str | None
    site: str | None = Field(description="the site's name as the page gives it")
    fetched_at: str
    final_url: str | None
    version: int
    content_hash: str
    metadata: dict[str, Any]
    claims: list[Claim]
    claims_partial: bool
    domain: str | None = Field(description="registrable domain of the canonical URL")
    duplicate_of: str | None = Field(description="id of the article this one is a "
                                                 "near-duplicate (syndicated copy) of")
    duplicate_similarity: float | None
    duplicates: list[Duplicate]
    story_id: str | None


class FailedArticle(Body):
    status: Literal["failed"]
    url: str
    stage: str
    reason: str = Field(description="stable reason code, e.g. blocked_address, http_4xx")
    detail: str
    failed_at: str


class PendingArticle(Body):
    status: Literal["pending"]
    url: str
    detail: str


class ArticleSummary(Body):
    id: str
    url: str
    canonical_url: str
    title: str | None
    site: str | None = Field(description="registrable domain of the article's URL")
    language: str | None
    published: str | None = Field(description="publication date as the page gives it")
    fetched_at: str
    claims_count: int
    story_id: str | None
    duplicate_of: str | None


class ArticleList(Body):
    items: list[ArticleSummary]
    next_cursor: str | None = _NEXT


class ArticleClaims(Body):
    article_id: str
    claims: list[Claim]
    next_cursor: str | None = _NEXT


class ClaimList(Body):
    claims: list[Claim]
    next_cursor: str | None = _NEXT


class SearchHit(Body):
    id: str
    url: str
    title: str | None
    author: str | None
    published: str | None
    site: str | None
    fetched_at: str
    duplicate_of: str | None
    story_id: str | None
    excerpt: str
    rank: float


class SearchResults(Body):
    query: str
    results: list[SearchHit]
    next_cursor: str | None = _NEXT


class Speaker(Body):
    speaker: str = Field(description="a resolved speaker phrase for this name")
    speaker_name: str = Field(description="the name without the role: pass it as "
                                          "/claims?speaker= to list the claims")
    claims: int
    sites: int = Field(description="how many sites quote this speaker")
    latest: str | None = Field(description="when the newest claim's article was fetched")


class SpeakerList(Body):
    items: list[Speaker]
    next_cursor: str | None = _NEXT


class Story(Body):
    id: str
    title: str | None
    article_count: int
    site_count: int
    updated_at: str


class StoryList(Body):
    stories: list[Story]
    next_cursor: str | None = _NEXT


class StoryArticle(Body):
    id: str
    url: str
    title: str | None
    site: str | None
    published: str | None
    fetched_at: str
    duplicate_of: str | None


class StoryDetail(Story):
    articles: list[StoryArticle]
    corroborated_claims: list[Claim]


class Stats(Body):
    articles: int
    failures: int
    claims: int


class FailureRow(Body):
    key: str
    url: str | None
    stage: str
    reason: str
    detail: str
    failed_at: str


class FailureList(Body):
    failures: list[FailureRow]


class SubmitRequest(Body):
    urls: list[str] = Field(max_length=MAX_SUBMIT_URLS,
                            description=f"at most {MAX_SUBMIT_URLS} URLs")
    refresh: bool = Field(default=False, description="fetch again even if already stored")


class Accepted(Body):
    url: str = Field(description="the URL as submitted")
    canonical_url: str


class Rejected(Body):
    url: str
    reason: Literal["invalid_url", "blocked_address"]
    detail: str


class Submitted(Body):
    accepted: list[Accepted]
    rejected: list[Rejected]


class Live(Body):
    status: Literal["ok"]


class Ready(BaseModel):
    """Readiness with a detail per dependency (broker, stages); the detail varies."""

    model_config = ConfigDict(extra="allow")
    ready: bool
