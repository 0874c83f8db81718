"""Fetch one page safely: the ingest service's pure core (no Kafka here).

    fetch(url, client, policy) -> FetchedPage   or raises a newswire.errors error

    fetch(url, client, policy, keep_gzip=True) -> a gzip body passed through as sent

Every hop of a redirect chain is resolved, checked by the AddressGuard and then connected to
at the checked address (transport.py pins it below the connection pool; the request keeps the
name, so connections are pooled per name and certificates verified against it). Bytes are
capped before and after decompression (only gzip and deflate are advertised, and both are
inflated here in bounded steps), and the bytes held by all fetches together are capped by the
policy's ByteBudget (time spent waiting for it does not count against the deadline). With
``keep_gzip`` a gzip body is kept as the origin sent it (the extract service inflates it once,
bounded, and catches a bomb whose gzip trailer lies); only its first KB is inflated (to sniff
HTML) and its trailer read (the inflated size, for the cap). The whole
fetch runs under one total deadline, because httpx's timeouts are per operation and a server
trickling one byte a second never trips them.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from newswire.errors import (
    FetchError,
    FetchTimeout,
    HttpStatus,
    NotHtml,
    RateLimited,
    ServerError,
    TooLarge,
    TooManyRedirects,
)
from newswire.settings import IngestSettings
from newswire.urls import validate_url
from services.ingest.budget import ByteBudget, Hold
from services.ingest.guard import AddressGuard
from services.ingest.resolver import Resolver
from services.ingest.transport import Client, ShardedClient, make_client, pinned, transport_error

__all__ = ["FEED_TYPES", "Client", "FetchPolicy", "FetchedPage", "ShardedClient", "fetch",
           "fetch_resource", "inflate_gzip", "make_client"]

HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# What discovery accepts: feeds, sitemaps (also gzipped), and HTML pages that link to feeds.
FEED_TYPES = (
    *HTML_TYPES,
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+json", "application/json", "text/plain",
    "application/gzip", "application/x-gzip", "application/octet-stream")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    guard: AddressGuard
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    total_timeout: float = 30.0
    user_agent: str = "newswire/0.1"
    budget: ByteBudget | None = None

    @classmethod
    def from_settings(cls, ingest: IngestSettings) -> FetchPolicy:
        resolver = Resolver(timeout=ingest.dns_timeout, workers=ingest.dns_workers)
        return cls(guard=AddressGuard(ingest.allow_networks, ingest.allowed_ports, resolver),
                   max_bytes=ingest.max_bytes, max_redirects=ingest.max_redirects,
                   total_timeout=ingest.total_timeout, user_agent=ingest.user_agent,
                   budget=ByteBudget(ingest.max_inflight_bytes))


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    etag: str | None = None
    last_modified: str | None = None
    content_encoding: str = ""  # "gzip": ``body`` is the origin's gzip, not yet inflated

    @property
    def size(self) -> int:
        """The body's inflated size (a gzip body's trailer says it, modulo 4 GiB)."""
        if self.content_encoding == "gzip":
            return int.from_bytes(self.body[-4:], "little") if len(self.body) >= 18 else 0
        return len(self.body)

    @property
    def fingerprint(self) -> bytes:
        """What identifies the content for change detection: the body, or for a gzip body
        its trailer (CRC-32 and size of the inflated page: the same whatever the compression
        level or timestamp the origin's gzip used, and no need to inflate it)."""
        if self.content_encoding == "gzip":
            return b"gzip trailer " + self.body[-8:]
        return self.body


class _Inflater:
    """Content-Encoding decoding in bounded steps, so a gzip bomb never inflates past the cap."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self._deflate_raw_fallback = encoding == "deflate"

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            return self._count(data)
        out = bytearray()
        while data:
            try:
                chunk = self._z.decompress(data, 64 * 1024)
            except zlib.error as exc:
                if self._deflate_raw_fallback and self.size == 0 and not out:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no header
                    self._deflate_raw_fallback = False
                    continue
                raise FetchError(f"corrupt compressed body: {exc}") from None
            out += self._count(chunk)
            data = self._z.unconsumed_tail
            if self._z.eof:
                break
        return bytes(out)

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"body exceeds {self.limit} bytes after decompression")
        return chunk


def inflate_gzip(data: bytes, limit: int) -> bytes:
    """Inflate a gzip file (a .xml.gz sitemap) without ever holding more than ``limit``."""
    return _Inflater("gzip", limit).feed(data)


def _request_url(url: str) -> str:
    """The URL as requested: no user info (never sent as credentials), no fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def _get(url: str, client: Client, policy: FetchPolicy, deadline: asyncio.Timeout, *,
               types: tuple[str, ...] | None = HTML_TYPES, accept: str = HTML_ACCEPT,
               headers: dict[str, str] | None = None, max_bytes: int | None = None,
               keep_gzip: bool = False) -> FetchedPage:
    """GET with every safety rule. ``types``: accepted media types (None = any). A 304 answer
    to conditional ``headers`` is returned (status 304, empty body), not raised."""
    limit = policy.max_bytes if max_bytes is None else max_bytes
    current = url
    for _hop in range(policy.max_redirects + 1):
        parts = urlsplit(validate_url(current))
        hostname = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await policy.guard.resolve(hostname, port)
        request = client.build_request(
            "GET", _request_url(current),
            headers={"User-Agent": policy.user_agent, "Accept": accept,
                     "Accept-Encoding": "gzip, deflate", **(headers or {})})
        # the same name as hostname, as httpx spells it (IDNA, no brackets)
        with pinned(request.url.raw_host.decode("ascii"), address):
            response = await client.send(request, stream=True)
        try:
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise HttpStatus(f"redirect {status} without Location", status=status)
                current = urljoin(current, location)
                continue
            if status == 429:
                raise RateLimited(f"HTTP 429 from {hostname}",
                                  retry_after=_retry_after(response.headers.get("retry-after")))
            if status >= 500:
                raise ServerError(f"HTTP {status}")
            if status >= 400:
                raise HttpStatus(f"HTTP {status}", status=status)
            if status == 304 and headers:
                return FetchedPage(
                    url=url, final_url=current, status=304,
                    content_type=response.headers.get("content-type", ""), body=b"",
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"))
            if status != 200:
                raise HttpStatus(f"unexpected HTTP {status}", status=status)
            content_type = response.headers.get("content-type", "")
            mime = content_type.split(";")[0].strip().lower()
            if mime and types is not None and mime not in types:
                raise NotHtml(f"content type {mime!r} is not "
                              + ("HTML" if types == HTML_TYPES else "accepted here"))
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise TooLarge(f"Content-Length {declared} exceeds {limit} bytes")
            encoding = response.headers.get("content-encoding", "").strip().lower()
            passthrough = keep_gzip and encoding in ("gzip", "x-gzip")  # else inflated here
            with (policy.budget.hold() if policy.budget else contextlib.nullcontext()) as hold:
                body = await _read_body(response, limit, hold, deadline,
                                        "identity" if passthrough else encoding)
            passthrough = passthrough and bool(body)  # an empty body is empty, not gzip
            head = _gzip_head(body, limit) if passthrough else body[:1024]
            if not mime and types == HTML_TYPES and not head.lstrip().startswith(b"<"):
                raise NotHtml("no content type and the body does not look like HTML")
            return FetchedPage(
                url=url, final_url=current, status=status, content_type=content_type,
                body=body, etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_encoding="gzip" if passthrough else "")
        finally:
            await response.aclose()
    raise TooManyRedirects(f"more than {policy.max_redirects} redirects")


def _gzip_head(body: bytes, limit: int) -> bytes:
    """The first KB of a gzip body, inflated; TooLarge if its trailer says it inflates past
    ``limit`` (an honest gzip bomb); FetchError if it is not gzip at all."""
    if len(body) < 18 or body[:2] != b"\x1f\x8b":
        raise FetchError("corrupt compressed body: not gzip")
    if int.from_bytes(body[-4:], "little") > limit:
        raise TooLarge(f"body exceeds {limit} bytes after decompression")
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, 1024)
    except zlib.error as exc:
        raise FetchError(f"corrupt compressed body: {exc}") from None


async def _read_body(response: httpx.Response, limit: int, hold: Hold | None,
                     deadline: asyncio.Timeout, encoding: str) -> bytes:
    """The body decoded from ``encoding`` ("identity": as sent), at most ``limit`` bytes
    before and after decompression; each chunk is taken from the budget first (the deadline
    is paused while it waits)."""
    inflater = _Inflater(encoding, limit)
    body = bytearray()
    raw = 0
    async for chunk in response.aiter_raw():
        raw += len(chunk)
        if raw > limit:
            raise TooLarge(f"body exceeds {limit} bytes")
        data = inflater.feed(chunk)
        if hold is not None and data:
            await hold.take(len(data), deadline)
        body += data
    return bytes(body)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


async def fetch(url: str, client: Client, policy: FetchPolicy, *,
                headers: dict[str, str] | None = None, keep_gzip: bool = False
                ) -> FetchedPage:
    """Fetch one HTML page under the policy; httpx errors become newswire errors.
    Conditional ``headers`` (If-None-Match / If-Modified-Since) may yield a 304 page.
    ``keep_gzip``: a gzip body stays compressed (``content_encoding`` says so)."""
    return await fetch_resource(url, client, policy, headers=headers, keep_gzip=keep_gzip)


async def fetch_resource(url: str, client: Client, policy: FetchPolicy, *,
                         types: tuple[str, ...] | None = HTML_TYPES, accept: str = HTML_ACCEPT,
                         headers: dict[str, str] | None = None,
                         max_bytes: int | None = None, keep_gzip: bool = False
                         ) -> FetchedPage:
    """Fetch any resource under the same rules (robots.txt, feeds, sitemaps)."""
    try:
        async with asyncio.timeout(policy.total_timeout) as deadline:
            return await _get(url, client, policy, deadline, types=types, accept=accept,
                              headers=headers, max_bytes=max_bytes, keep_gzip=keep_gzip)
    except TimeoutError:
        raise FetchTimeout(f"no complete response within {policy.total_timeout:g}s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise transport_error(exc) from None
