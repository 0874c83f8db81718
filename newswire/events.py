"""The event models every service shares: the only contract between services.

Events are frozen, typed and versioned; on the wire they are plain JSON (orjson), with
CloudEvents binary-mode headers (``ce_id``, ``ce_source``, ``ce_type``, ``ce_time``,
``ce_specversion``). Page HTML travels zlib-compressed and base64-encoded, because pages can be
megabytes and Kafka's default message limit is 1 MB.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newswire.errors import MalformedEvent

__all__ = [
    "ArticleEnriched",
    "ArticleExtracted",
    "Event",
    "Failure",
    "PageFetched",
    "UrlSubmitted",
    "cloudevent_headers",
    "decode",
    "encode",
]

MAX_EVENT_BYTES = 16 * 1024 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class Event(BaseModel):
    """Fields every event carries."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    ce_type: ClassVar[str] = "newswire.event"

    schema_version: int = 1
    event_id: str = Field(default_factory=_new_id)
    occurred_at: datetime = Field(default_factory=_now)
    # Carried unchanged through every stage so one URL can be followed end to end.
    submitted_url: str


class UrlSubmitted(Event):
    """A URL to fetch: published by `newswire submit`, feeds and sitemaps."""

    ce_type: ClassVar[str] = "news.url.submitted.v1"
    url: str  # canonical form
    refresh: bool = False
    source: str = "submit"
    attempt: int = 0


class PageFetched(Event):
    """An HTML page as the origin served it."""

    ce_type: ClassVar[str] = "news.page.fetched.v1"
    url: str  # canonical form of the submitted URL
    final_url: str  # after redirects
    status: int
    content_type: str
    fetched_at: datetime
    html_z: str  # zlib-compressed, base64-encoded UTF-8 HTML
    size_bytes: int
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def with_html(cls, html: bytes, **fields: Any) -> PageFetched:
        packed = base64.b64encode(zlib.compress(html, 1)).decode("ascii")
        return cls(html_z=packed, size_bytes=len(html), **fields)

    def html(self, max_bytes: int = 64 * 1024 * 1024) -> bytes:
        """The page bytes; refuses to inflate past max_bytes (a hostile event)."""
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(base64.b64decode(self.html_z, validate=True),
                                       max_bytes + 1)
        except (ValueError, zlib.error) as exc:
            raise MalformedEvent(f"page HTML is not zlib+base64: {exc}") from None
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise MalformedEvent(f"page HTML inflates past {max_bytes} bytes")
        return data


class ArticleExtracted(Event):
    """Clean article text and metadata."""

    ce_type: ClassVar[str] = "news.article.extracted.v1"
    article_id: str
    url: str
    canonical_url: str
    final_url: str
    title: str | None = None
    text: str
    author: str | None = None
    published: str | None = None
    language: str | None = None
    site: str | None = None
    fetched_at: datetime
    content_hash: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class ArticleEnriched(ArticleExtracted):
    """An article with its claims: the public stream downstream consumers subscribe to."""

    ce_type: ClassVar[str] = "news.article.enriched.v1"
    claims: list[dict[str, Any]] = Field(default_factory=list)
    claims_partial: bool = False


class Failure(Event):
    """Why a URL (or an event) could not go further. Also sent as DLQ headers."""

    ce_type: ClassVar[str] = "news.failure.v1"
    url: str | None
    stage: Literal["submit", "ingest", "extract", "claims", "store"]
    reason: str
    detail: str
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


E = TypeVar("E", bound=Event)


def encode(event: Event) -> bytes:
    return orjson.dumps(event.model_dump(mode="json"))


def decode(model: type[E], data: bytes | None) -> E:
    """Parse bytes into an event, raising MalformedEvent (never anything else)."""
    if data is None:
        raise MalformedEvent("empty message value")
    if len(data) > MAX_EVENT_BYTES:
        raise MalformedEvent(f"message of {len(data)} bytes exceeds {MAX_EVENT_BYTES}")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MalformedEvent(f"not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise MalformedEvent(f"expected a JSON object, got {type(obj).__name__}")
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        raise MalformedEvent(
            f"not a valid {model.__name__}: {exc.error_count()} error(s): "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        ) from None


def cloudevent_headers(event: Event, source: str) -> dict[str, bytes]:
    """CloudEvents 1.0 binary-mode headers for one event."""
    return {
        "ce_specversion": b"1.0",
        "ce_id": event.event_id.encode(),
        "ce_source": source.encode(),
        "ce_type": event.ce_type.encode(),
        "ce_time": event.occurred_at.isoformat().encode(),
        "content-type": b"application/json",
    }
