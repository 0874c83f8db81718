"""What a page says about itself: JSON-LD (schema.org) and <meta>/<link> tags.

Every reader here is defensive: a malformed JSON-LD block, an unexpected type where a string was
meant, or a huge graph yields "unknown" for that field, never an exception.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
from lxml.html import HtmlElement

__all__ = ["PageData", "as_absolute_url", "iso_date", "read_page_data"]

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle", "blogposting",
    "liveblogposting", "socialmediaposting", "scholarlyarticle", "techarticle", "report",
    "satiricalarticle", "advertisercontentarticle", "medicalscholarlyarticle", "review",
})
# declared types of pages that are not one article
NON_ARTICLE_TYPES = frozenset({
    "collectionpage", "itemlist", "searchresultspage", "profilepage", "product", "productgroup",
    "offer", "event", "jobposting", "recipe", "videogallery", "imagegallery", "mediagallery",
    "organization", "localbusiness", "person", "faqpage", "contactpage", "aboutpage",
})
OG_ARTICLE = frozenset({"article", "news", "blog", "newsarticle", "article:article"})
OG_NON_ARTICLE = frozenset({"website", "profile", "product", "video.movie", "video.tv_show",
                            "video.other", "music.song", "music.album", "books.book", "place",
                            "business.business", "og:product"})

_MAX_JSONLD_BYTES = 2_000_000
_MAX_NODES = 5_000
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_WS = re.compile(r"\s+")


@dataclass(slots=True)
class PageData:
    """Fields found in structured data; None/[] where the page does not say."""

    types: set[str] = field(default_factory=set)  # lower-cased schema.org @type values
    og_type: str | None = None
    headline: str | None = None
    article_body: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    sections: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    image: str | None = None
    is_free: bool | None = None
    html_lang: str | None = None

    @property
    def declares_article(self) -> bool:
        return bool(self.types & ARTICLE_TYPES) or (self.og_type or "") in OG_ARTICLE

    @property
    def declares_non_article(self) -> bool:
        declared = bool(self.types & NON_ARTICLE_TYPES) or (self.og_type or "") in OG_NON_ARTICLE
        return declared and not self.declares_article


def _clean(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = _WS.sub(" ", value).strip()
    return value or None


def _load_json(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("<!--"):
        raw = raw[4:]
    if raw.endswith("-->"):
        raw = raw[:-3]
    raw = raw.strip().rstrip(";")
    if not raw or len(raw) > _MAX_JSONLD_BYTES:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # the usual hand-written mistakes: raw newlines/tabs in strings, trailing commas
        return json.loads(_TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", raw)), strict=False)
    except (ValueError, RecursionError):
        return None


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict in the JSON-LD document, breadth first, bounded."""
    queue, seen = [data], 0
    while queue and seen < _MAX_NODES:
        item = queue.pop(0)
        seen += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            for key, value in item.items():
                if isinstance(value, (dict, list)) and key not in ("articleBody", "text"):
                    queue.append(value)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    out = set()
    for v in values:
        if isinstance(v, str):
            out.add(v.rsplit("/", 1)[-1].strip().lower())
    return out


def _names(value: Any, limit: int = 20) -> list[str]:
    """Person/organization names from a schema.org author-like value."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items[:limit]:
        name = None
        if isinstance(item, dict):
            name = _clean(item.get("name"))
            if name is None and (item.get("givenName") or item.get("familyName")):
                name = _clean(f"{item.get('givenName') or ''} {item.get('familyName') or ''}")
        elif isinstance(item, str):
            name = _clean(item)
        if name and not name.lower().startswith(("http://", "https://")) and name not in out:
            out.append(name)
    return out


def _strings(value: Any, split: bool = False) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items[:50]:
        if isinstance(item, dict):
            item = item.get("name")
        text = _clean(item)
        if not text:
            continue
        parts = [p.strip() for p in text.split(",")] if split else [text]
        out.extend(p for p in parts if p and p not in out)
    return out


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return _clean(value)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("true", "yes", "1"):
            return True
        if v in ("false", "no", "0"):
            return False
    return None


def iso_date(value: str | None) -> str | None:
    """An ISO 8601 date or datetime string, or None when the value is not one."""
    value = _clean(value)
    if not value:
        return None
    candidate = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        datetime.fromisoformat(candidate)
    except ValueError:
        match = re.match(r"^\d{4}-\d{2}-\d{2}", value)
        if not match:
            return None
        try:
            datetime.strptime(match.group(0), "%Y-%m-%d")
        except ValueError:
            return None
        return match.group(0)
    return value


def as_absolute_url(value: str | None, base: str | None) -> str | None:
    value = _clean(value)
    if not value:
        return None
    if value.startswith("//"):
        value = "https:" + value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if base and not parts.scheme:
        joined = urljoin(base, value)
        if urlsplit(joined).scheme in ("http", "https") and urlsplit(joined).netloc:
            return joined
    return None


def _read_jsonld(tree: HtmlElement, data: PageData) -> None:
    articles: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        doc = _load_json(script.text or "")
        if doc is None:
            continue
        for node in _nodes(doc):
            types = _types(node)
            data.types |= types
            (articles if types & ARTICLE_TYPES else others).append(node)
    # the article object with the longest body (or the first one) is the page's article
    articles.sort(key=lambda n: -len(n.get("articleBody") or "")
                  if isinstance(n.get("articleBody"), str) else 0)
    for node in articles:
        data.headline = data.headline or _clean(node.get("headline")) or _clean(node.get("name"))
        body = node.get("articleBody")
        if data.article_body is None and isinstance(body, str) and body.strip():
            data.article_body = body
        data.authors = data.authors or _names(node.get("author") or node.get("creator"))
        data.published = data.published or iso_date(node.get("datePublished")
                                                     or node.get("dateCreated"))
        data.modified = data.modified or iso_date(node.get("dateModified"))
        publisher = node.get("publisher")
        if isinstance(publisher, list):
            publisher = publisher[0] if publisher else None
        if isinstance(publisher, dict):
            data.site_name = data.site_name or _clean(publisher.get("name"))
        data.sections = data.sections or _strings(node.get("articleSection"))
        data.keywords = data.keywords or _strings(node.get("keywords"), split=True)
        data.image = data.image or _image(node.get("image") or node.get("thumbnailUrl"))
        if data.is_free is None:
            data.is_free = _bool(node.get("isAccessibleForFree"))
            part = node.get("hasPart")
            for p in part if isinstance(part, list) else [part]:
                if data.is_free is None and isinstance(p, dict):
                    flag = _bool(p.get("isAccessibleForFree"))
                    data.is_free = False if flag is False else None
        page = node.get("mainEntityOfPage")
        if isinstance(page, dict):
            page = page.get("@id") or page.get("url")
        data.canonical_url = data.canonical_url or _clean(page if isinstance(page, str) else None)
    for node in others:
        if data.is_free is None and "webpage" in _types(node):
            data.is_free = _bool(node.get("isAccessibleForFree"))
        if data.site_name is None and _types(node) & {"website"}:
            data.site_name = _clean(node.get("name"))


def _meta(tree: HtmlElement) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = el.get("content")
        if key and content is not None:
            value = _clean(content)
            if value:
                out.setdefault(key.strip().lower(), []).append(value)
    return out


def read_page_data(tree: HtmlElement, url: str | None) -> PageData:
    data = PageData()
    # a hostile JSON-LD graph leaves its fields unknown
    with contextlib.suppress(RecursionError, TypeError, ValueError, AttributeError):
        _read_jsonld(tree, data)
    meta = _meta(tree)

    def first(*keys: str) -> str | None:
        for key in keys:
            if meta.get(key):
                return meta[key][0]
        return None

    data.og_type = (first("og:type") or "").lower() or None
    data.headline = data.headline or first("og:title", "twitter:title")
    data.site_name = first("og:site_name", "application-name") or data.site_name
    data.published = data.published or iso_date(first(
        "article:published_time", "datepublished", "og:article:published_time",
        "article.published", "pubdate", "publishdate", "date", "dc.date.issued", "dcterms.created"))
    data.modified = data.modified or iso_date(first(
        "article:modified_time", "datemodified", "og:updated_time", "og:article:modified_time",
        "article.updated", "lastmod", "last-modified", "dcterms.modified"))
    if not data.authors:
        for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
            names = [n for n in meta.get(key, []) if not n.lower().startswith(("http://", "https://"))]
            if names:
                data.authors = list(dict.fromkeys(names))
                break
    for key in ("article:section", "section", "parsely-section"):
        for value in meta.get(key, []):
            if value not in data.sections:
                data.sections.append(value)
    for key in ("article:tag", "news_keywords", "keywords", "parsely-tags"):
        for value in meta.get(key, []):
            for tag in (v.strip() for v in value.split(",")):
                if tag and tag not in data.keywords:
                    data.keywords.append(tag)
    data.image = (first("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
                  or data.image)
    tier = (first("article:content_tier") or "").lower()
    if data.is_free is None and tier in ("free", "locked"):
        data.is_free = tier == "free"
    if data.is_free is None:
        data.is_free = _bool(first("isaccessibleforfree"))

    canonical = None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            canonical = link.get("href")
            break
    data.canonical_url = as_absolute_url(canonical or first("og:url") or data.canonical_url, url)
    data.image = as_absolute_url(data.image, url)
    lang = (tree.get("lang") or tree.get("xml:lang")
            or first("og:locale", "content-language", "language"))
    if lang:
        code = re.split(r"[-_]", lang.strip().lower())[0]
        data.html_lang = code if re.fullmatch(r"[a-z]{2}", code) else None
    return data
