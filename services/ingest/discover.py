"""Discovery: article URLs from RSS 1.0/2.0, Atom and JSON feeds, sitemaps (also gzipped,
plain-text, Google News), sitemap indexes, and HTML pages that link their feeds with
``<link rel="alternate">``.

The parsers are parse-only (bytes in, URLs out, no network, no entity expansion); every
document is fetched by ``Discoverer`` with the ingest service's safe fetcher, with conditional
GET (ETag / Last-Modified) so an unchanged feed costs one 304.

    newswire discover URL... [--refresh]     publish every article URL found, then exit

Lives in the ingest service (it fetches with the ingest fetcher); the CLI imports it from here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import orjson
from lxml import etree
from lxml import html as lxml_html

from newswire.errors import InvalidUrl, NewswireError
from newswire.settings import Settings
from newswire.submit import SubmitResult, submit_urls
from newswire.urls import canonicalize
from services.ingest.fetch import (
    FEED_TYPES,
    Client,
    FetchPolicy,
    fetch_resource,
    inflate_gzip,
    make_client,
)

__all__ = ["Discoverer", "Parsed", "discover_command", "parse_document"]

log = logging.getLogger(__name__)

FEED_LINK_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml",
    "application/feed+json", "application/json", "text/xml", "application/xml",
})
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit
MAX_URLS_PER_DOCUMENT = 50_000


@dataclass
class Parsed:
    kind: str  # rss | atom | jsonfeed | sitemap | sitemapindex | html | text | unknown
    articles: list[str] = field(default_factory=list)  # absolute article URLs, in order
    follow: list[str] = field(default_factory=list)  # feeds of a page, sitemaps of an index


def _local(tag: Any) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    return (el.text or "").strip() if el is not None else ""


def _http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _absolute(base: str, refs: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for ref in refs:
        ref = ref.strip()
        if not ref:
            continue
        url = urljoin(base, ref)
        if _http(url) and url not in seen:
            seen.add(url)
            out.append(url)
        if len(out) >= MAX_URLS_PER_DOCUMENT:
            break
    return out


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: Any, name: str) -> Any:
    found = _children(el, name)
    return found[0] if found else None


def _parse_xml(body: bytes, base: str) -> Parsed | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    kind = _local(root.tag)
    if kind == "urlset":  # sitemap, Google News / image / video sitemaps alike
        return Parsed("sitemap", _absolute(base, (_text(_child(u, "loc"))
                                                  for u in _children(root, "url"))))
    if kind == "sitemapindex":
        return Parsed("sitemapindex", follow=_absolute(
            base, (_text(_child(s, "loc")) for s in _children(root, "sitemap"))))
    if kind == "feed":  # Atom
        refs = []
        for entry in _children(root, "entry"):
            links = _children(entry, "link")
            chosen = [ln for ln in links if ln.get("rel", "alternate") == "alternate"]
            if chosen:
                href = chosen[0].get("href") or ""
                xml_base = chosen[0].base or base
                refs.append(urljoin(xml_base, href))
            elif _child(entry, "id") is not None and _http(_text(_child(entry, "id"))):
                refs.append(_text(_child(entry, "id")))
        return Parsed("atom", _absolute(base, refs))
    if kind in ("rss", "rdf"):
        channel = _child(root, "channel")
        items = _children(root, "item") + (_children(channel, "item") if channel is not None
                                           else [])
        refs = []
        for item in items:
            orig = _child(item, "origlink")  # feedburner:origLink: the publisher's own URL
            link = _child(item, "link")
            guid = _child(item, "guid")
            if orig is not None and _text(orig):
                refs.append(_text(orig))
            elif link is not None and (_text(link) or link.get("href")):
                refs.append(_text(link) or link.get("href") or "")
            elif guid is not None and guid.get("isPermaLink", "true") != "false":
                refs.append(_text(guid))
        return Parsed("rss", _absolute(base, refs))
    if kind == "html":
        return None
    return Parsed("unknown")


def _parse_json(body: bytes, base: str) -> Parsed | None:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("items"), list):
        return Parsed("unknown")
    refs = [str(item.get("url") or item.get("external_url") or "")
            for item in obj["items"] if isinstance(item, dict)]
    return Parsed("jsonfeed", _absolute(base, refs))


def _parse_html(body: bytes, base: str) -> Parsed:
    try:
        doc = lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return Parsed("html")
    base_el = doc.find(".//base[@href]")
    page_base = urljoin(base, base_el.get("href")) if base_el is not None else base
    refs = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_LINK_TYPES and link.get("href"):
            refs.append(link.get("href"))
    return Parsed("html", follow=_absolute(page_base, refs))


def parse_document(body: bytes, url: str, content_type: str = "") -> Parsed:
    """What a fetched document lists. ``url`` is where it was fetched (for relative links)."""
    mime = content_type.split(";")[0].strip().lower()
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or mime in ("application/feed+json", "application/json"):
        parsed = _parse_json(body, url)
        if parsed is not None:
            return parsed
    looks_html = head[:15].lower().startswith((b"<!doctype html", b"<html")) or \
        mime in ("text/html", "application/xhtml+xml")
    if head.startswith(b"<") and not looks_html:
        parsed = _parse_xml(body, url)
        if parsed is not None and parsed.kind != "unknown":
            return parsed
    if looks_html or head.startswith(b"<"):
        return _parse_html(body, url)
    if mime == "text/plain" or _http(head.decode("ascii", "replace")):
        lines = body.decode("utf-8", "replace").splitlines()
        return Parsed("text", _absolute(url, (ln for ln in lines if _http(ln.strip()))))
    return Parsed("unknown")


@dataclass
class DiscoverResult:
    articles: list[str] = field(default_factory=list)  # canonical URLs, first seen first
    documents: int = 0
    not_modified: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, reason: detail)


class Discoverer:
    """Fetches documents and follows them (page -> feeds, index -> sitemaps) to article URLs.

    ``validators`` keeps each document's ETag / Last-Modified between calls, so polling the
    same discoverer again sends conditional requests."""

    def __init__(self, client: Client, policy: FetchPolicy, *, max_depth: int = 3,
                 max_documents: int = 500) -> None:
        self.client = client
        self.policy = policy
        self.max_depth = max_depth
        self.max_documents = max_documents
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    async def discover(self, urls: Iterable[str]) -> DiscoverResult:
        result = DiscoverResult()
        found: set[str] = set()
        visited: set[str] = set()
        todo: list[tuple[str, int]] = [(u, 0) for u in urls]
        while todo and result.documents < self.max_documents:
            url, depth = todo.pop(0)
            try:
                key = canonicalize(url)
            except InvalidUrl as exc:
                result.errors.append((url, f"invalid_url: {exc.detail}"))
                continue
            if key in visited:
                continue
            visited.add(key)
            etag, modified = self.validators.get(key, (None, None))
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            try:
                doc = await fetch_resource(
                    url, self.client, self.policy, types=FEED_TYPES, headers=headers or None,
                    accept="application/rss+xml,application/atom+xml,application/feed+json,"
                           "application/xml;q=0.9,text/xml;q=0.9,text/html;q=0.8,*/*;q=0.5",
                    max_bytes=MAX_DOCUMENT_BYTES)
            except NewswireError as exc:
                result.errors.append((url, f"{exc.reason}: {exc.detail}"))
                continue
            result.documents += 1
            if doc.status == 304:
                result.not_modified += 1
                continue
            body = doc.body
            if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as a file
                try:
                    body = inflate_gzip(body, MAX_DOCUMENT_BYTES)
                except NewswireError as exc:
                    result.errors.append((url, f"{exc.reason}: {exc.detail}"))
                    continue
            parsed = parse_document(body, doc.final_url, doc.content_type)
            if doc.etag or doc.last_modified:
                self.validators[key] = (doc.etag, doc.last_modified)
            if parsed.kind == "unknown":
                result.errors.append((url, "not_a_feed: neither feed, sitemap nor HTML"))
            for article in parsed.articles:
                try:
                    canonical = canonicalize(article)
                except InvalidUrl:
                    continue
                if canonical not in found:
                    found.add(canonical)
                    result.articles.append(canonical)
            if depth < self.max_depth:
                todo.extend((u, depth + 1) for u in parsed.follow)
        return result


async def discover_and_submit(settings: Settings, urls: list[str], *,
                              refresh: bool = False) -> tuple[DiscoverResult, SubmitResult]:
    async with make_client(settings.ingest) as client:
        found = await Discoverer(client, FetchPolicy.from_settings(settings.ingest)).discover(
            urls)
    submitted = await submit_urls(settings, found.articles, refresh=refresh, source="discover")
    return found, submitted


def discover_command(settings: Settings, urls: list[str], *, refresh: bool = False) -> int:
    import asyncio

    found, submitted = asyncio.run(discover_and_submit(settings, urls, refresh=refresh))
    for url, why in found.errors:
        print(f"newswire discover: {url}: {why}", file=sys.stderr)
    print(f"read {found.documents} document(s) ({found.not_modified} not modified), "
          f"found {len(found.articles)} article URL(s), submitted {len(submitted.submitted)}",
          file=sys.stderr)
    return 1 if found.errors or submitted.rejected else 0
