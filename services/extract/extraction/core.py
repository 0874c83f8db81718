"""extract_article: one HTML page in, clean article text and metadata out (no Kafka here).

One parse of the page serves every reader: the page's own structured data (JSON-LD, meta tags),
trafilatura's precision mode for the body and its metadata, and the checks that complete and
clean that body.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from newswire.errors import EmptyExtraction, NewswireError, NotAnArticle

from .body import complete_split_body, containment, link_texts, visible_shingles
from .clean import clean_lines, norm
from .language import detect_language
from .metadata import fallback_authors, fallback_modified, fallback_published, fallback_title
from .model import ExtractedArticle
from .structured import PageData, read_page_data

__all__ = ["extract_article"]

log = logging.getLogger(__name__)

# JSON-LD articleBody is used only when this share of its 4-grams is visible on the page ...
JSONLD_VISIBLE = 0.8
# ... and the extracted body covers less than this share of it (the extractor missed the body).
JSONLD_TAKEOVER = 0.5
# a page without article markup whose body is shorter than this is not an article
MIN_ARTICLE_WORDS = 50
# share of the body that is link text on the page above which it is a list of links
MAX_LINKED_SHARE = 0.5


def _linked_share(lines: list[str], links: frozenset[str]) -> float:
    """Share of the words in ``lines`` that sit in lines which are only a link on the page."""
    total = linked = 0
    for line in lines:
        n = len(line.split())
        total += n
        if norm(line) in links:
            linked += n
    return linked / total if total else 0.0


def extract_article(html: str | bytes, url: str | None = None) -> ExtractedArticle:
    """Raises newswire.errors.EmptyExtraction when no body text can be found, NotAnArticle when
    the page is clearly not an article (then no fake body). Never raises anything else."""
    try:
        return _extract(html, url)
    except NewswireError:
        raise
    except RecursionError:
        raise EmptyExtraction("page too deeply nested to extract") from None
    except MemoryError:
        raise
    except Exception as exc:  # library errors are converted at this edge
        log.debug("extraction failed on %s", url, exc_info=True)
        raise EmptyExtraction(f"extractor failed: {type(exc).__name__}: {exc}") from None


FALLBACK_BELOW_CHARS = 1000


MAX_UNDECODABLE_SHARE = 0.05
_DECLARED_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _decode(html: str | bytes) -> str | bytes:
    """Bytes that are not valid UTF-8 but declare UTF-8 (or nothing) are decoded as UTF-8 with
    replacement characters: a charset guess would turn them into mojibake. Other declared
    charsets are left to the parser's detection."""
    if isinstance(html, str):
        return html
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        declared = _DECLARED_CHARSET.search(html[:4096])
        name = declared.group(1).decode("ascii", "replace").lower() if declared else "utf-8"
        if name.replace("_", "-") in ("utf-8", "utf8"):
            return html.decode("utf-8", errors="replace")
        return html


def _extract(html: str | bytes, url: str | None) -> ExtractedArticle:
    if not isinstance(html, (str, bytes)) or not html.strip():
        raise EmptyExtraction("empty page")
    tree = load_html(_decode(html))
    if tree is None:
        raise EmptyExtraction("not parseable as HTML")
    page = read_page_data(tree, url)
    raw = _body_text(tree, url)
    links = link_texts(tree)
    title = page.headline or fallback_title(tree)
    titles = [page.headline, title]
    found = [line for line in raw.split("\n") if line.strip()]
    lines = clean_lines(complete_split_body(tree, found), titles, links)
    text = "\n".join(lines)

    if page.article_body:
        text = _prefer_jsonld(tree, page, text, titles, links)

    declares_article = page.declares_article
    words = len(text.split())
    if not declares_article:
        if page.declares_non_article and words < MIN_ARTICLE_WORDS:
            raise NotAnArticle("page declares a non-article type and has no article body")
        if _linked_share(found, links) > MAX_LINKED_SHARE:
            raise NotAnArticle("the page's main text is a list of links")
    if not text.strip():
        raise EmptyExtraction("no article text found")
    if text.count("\ufffd") > MAX_UNDECODABLE_SHARE * len(text):
        raise EmptyExtraction("the text is mostly bytes that are not valid in its charset")
    page_type = "other" if page.declares_non_article else "article"
    return _assemble(text, page, tree, url, title, page_type)


def _body_text(tree: HtmlElement, url: str | None) -> str:
    """trafilatura's precision mode, cheap pass first: its fallback extractors (readability,
    jusText) cost about a third of the time and change the result only when the main pass
    finds little, so they run only when the cheap pass comes back shorter than a short
    article. (trafilatura works on its own copy of the parsed tree.)"""
    doc = trafilatura.bare_extraction(tree, url=url, favor_precision=True,
                                      include_comments=False, fast=True)
    raw = _text_of(doc)
    if len(raw) < FALLBACK_BELOW_CHARS:
        doc = trafilatura.bare_extraction(tree, url=url, favor_precision=True,
                                          include_comments=False)
        fuller = _text_of(doc)
        if len(fuller) > len(raw):
            raw = fuller
    return raw


def _text_of(doc: Document | dict[str, Any] | None) -> str:
    """The text of a bare_extraction result (a Document; a dict only when asked for one)."""
    if doc is None:
        return ""
    text = doc.get("text") if isinstance(doc, dict) else doc.text
    return str(text or "")


def _prefer_jsonld(tree: HtmlElement, page: PageData, text: str, titles: list[str | None],
                   links: frozenset[str]) -> str:
    """Use the JSON-LD body only when the page shows it and the extractor missed most of it."""
    body = page.article_body or ""
    visible = visible_shingles(tree)
    if containment(body, visible) < JSONLD_VISIBLE:
        return text  # the structured body disagrees with the page: the page wins
    from .body import _shingle_set

    extracted = _shingle_set(text)
    if text and containment(body, extracted) >= JSONLD_TAKEOVER:
        return text
    lines = clean_lines((p for p in body.replace("\r", "\n").split("\n")), titles, links)
    return "\n".join(lines) or text


def _assemble(text: str, page: PageData, tree: HtmlElement, url: str | None, title: str | None,
              page_type: str) -> ExtractedArticle:
    return ExtractedArticle(
        text=text,
        title=title,
        authors=page.authors or fallback_authors(tree),
        published=page.published or fallback_published(tree, url),
        modified=page.modified or fallback_modified(tree),
        site_name=page.site_name,
        language=detect_language(text, page.html_lang),
        canonical_url=page.canonical_url,
        categories=page.sections,
        tags=page.keywords,
        image=page.image,
        is_free=page.is_free,
        page_type=page_type,
        word_count=len(text.split()),
    )
