"""The event models every service shares: the only contract between services.

Events are frozen, typed and versioned; on the wire they are plain JSON (orjson), with
CloudEvents binary-mode headers (``ce_id``, ``ce_source``, ``ce_type``, ``ce_time``,
``ce_specversion``).

The fetched page is the exception (``page_record`` / ``decode_page``): its record value is the
page itself, gzip-compressed (as the origin sent it when it sent gzip, so ingest neither
inflates nor recompresses it), and the event's other fields travel as JSON in the
``newswire.page`` header, beside ``newswire.page_version: 2``. Version 1 records, the whole
event as JSON with the page zlib-compressed and base64-encoded in ``html_z``, are still read:
they may be in flight during an upgrade. Pages can be megabytes and Kafka's default message
limit is 1 MB, hence compressed either way.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from newswire.errors import FetchError, MalformedEvent, TooLarge

__all__ = [
    "PAGE_HEADER",
    "PAGE_HEADERS",
    "ArticleEnriched",
    "ArticleExtracted",
    "Event",
    "Failure",
    "PageFetched",
    "UrlSubmitted",
    "cloudevent_headers",
    "decode",
    "decode_page",
    "encode",
    "page_record",
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
    """An HTML page as the origin served it. The page bytes are in ``html_z`` in a version 1
    record, beside the event (gzip, see the module docstring) in a version 2 one."""

    ce_type: ClassVar[str] = "news.page.fetched.v1"
    url: str  # canonical form of the submitted URL
    final_url: str  # after redirects
    status: int
    content_type: str
    fetched_at: datetime
    html_z: str = ""  # version 1 only: zlib-compressed, base64-encoded UTF-8 HTML
    size_bytes: int  # the page's size, uncompressed
    etag: str | None = None
    last_modified: str | None = None
    _gzip: bytes | None = PrivateAttr(default=None)  # version 2: the page, gzip-compressed

    @classmethod
    def with_html(cls, html: bytes, **fields: Any) -> PageFetched:
        """A version 1 event (the page inside the JSON); what ingest wrote before version 2."""
        packed = base64.b64encode(zlib.compress(html, 1)).decode("ascii")
        return cls(html_z=packed, size_bytes=len(html), **fields)

    @classmethod
    def with_gzip(cls, body: bytes, size_bytes: int, **fields: Any) -> PageFetched:
        """A version 2 event around a gzip-compressed page (``page_record`` writes it)."""
        page = cls(size_bytes=size_bytes, **fields)
        page._gzip = body
        return page

    @property
    def gzip_body(self) -> bytes | None:
        return self._gzip

    def html(self, max_bytes: int = 64 * 1024 * 1024) -> bytes:
        """The page bytes; refuses to inflate past max_bytes (a hostile event or origin)."""
        if self._gzip is not None:
            return inflate_page(self._gzip, max_bytes)
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(base64.b64decode(self.html_z, validate=True),
                                       max_bytes + 1)
        except (ValueError, zlib.error) as exc:
            raise MalformedEvent(f"page HTML is not zlib+base64: {exc}") from None
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise MalformedEvent(f"page HTML inflates past {max_bytes} bytes")
        return data


def inflate_page(body: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip page (every member) in bounded steps. Ingest passes the origin's gzip
    through unread, so this is where a gzip bomb is caught: past ``max_bytes`` it is the
    page's TooLarge; bytes that are not gzip are the origin's FetchError."""
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while data:
            try:
                out += inflater.decompress(data, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise FetchError(f"corrupt compressed body: {exc}") from None
            if len(out) > max_bytes:
                raise TooLarge(f"body exceeds {max_bytes} bytes after decompression")
            data = inflater.unconsumed_tail
            if inflater.eof:
                break
        data = inflater.unused_data if inflater.eof else b""
    return bytes(out)


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


PAGE_VERSION_HEADER = "newswire.page_version"
PAGE_HEADER = "newswire.page"
PAGE_ENCODING_HEADER = "newswire.page_encoding"
# The headers that make a version 2 page record readable (a DLQ record keeps them).
PAGE_HEADERS = (PAGE_VERSION_HEADER, PAGE_HEADER, PAGE_ENCODING_HEADER)


def page_record(page: PageFetched, source: str) -> tuple[bytes, dict[str, bytes]]:
    """The record value and headers of a news.page.fetched event: version 2 (the gzip page
    as the value, the event in a header) when the page has its gzip body, else version 1."""
    headers = cloudevent_headers(page, source)
    body = page.gzip_body
    if body is None:
        return encode(page), headers
    headers["content-type"] = page.content_type.encode() or b"text/html"
    headers[PAGE_ENCODING_HEADER] = b"gzip"
    headers[PAGE_VERSION_HEADER] = b"2"
    headers[PAGE_HEADER] = orjson.dumps(page.model_dump(mode="json", exclude={"html_z"}))
    return body, headers


def _header_map(headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None
                ) -> Mapping[str, bytes]:
    if headers is None:
        return {}
    return headers if isinstance(headers, Mapping) else dict(headers)


def decode_page(value: bytes | None,
                headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None
                ) -> PageFetched:
    """A news.page.fetched record of either version (MalformedEvent if it is neither)."""
    found = _header_map(headers)
    version = found.get(PAGE_VERSION_HEADER)
    if version is None:  # version 1: written before the upgrade, or by hand
        return decode(PageFetched, value)
    if version != b"2":
        raise MalformedEvent(f"unknown page record version {version[:20]!r}")
    if found.get(PAGE_ENCODING_HEADER, b"gzip") != b"gzip":
        raise MalformedEvent("page record encoding is not gzip")
    if not value:
        raise MalformedEvent("page record without a page")
    if len(value) > MAX_EVENT_BYTES:
        raise MalformedEvent(f"message of {len(value)} bytes exceeds {MAX_EVENT_BYTES}")
    page = decode(PageFetched, found.get(PAGE_HEADER))
    if page.html_z:
        raise MalformedEvent("a version 2 page record carries html_z")
    page._gzip = value
    return page
