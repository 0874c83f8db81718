"""Cheap fallbacks for metadata the page does not declare in JSON-LD or meta tags.

Each returns None/[] rather than a guess when the page offers nothing usable.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from .structured import iso_date

__all__ = ["fallback_authors", "fallback_modified", "fallback_published", "fallback_title"]

_WS = re.compile(r"\s+")
_BY = re.compile(r"^\s*(?:by|von|par|por|di|door)\s+", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+[|–—:·•-]\s+")
_NAME = re.compile(r"^[^\W\d_][\w.'’\- ]{1,60}$")


def _text(el: HtmlElement) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def fallback_title(tree: HtmlElement) -> str | None:
    h1 = tree.findall(".//h1")
    if len(h1) == 1 and _text(h1[0]):
        return _text(h1[0])
    title_el = tree.find(".//title")
    title = _text(title_el) if title_el is not None else ""
    if title:
        # "Headline | Site name": the headline is the longest part
        return max(_TITLE_SEPARATORS.split(title), key=len).strip() or None
    for el in h1:
        if _text(el):
            return _text(el)
    return None


def fallback_authors(tree: HtmlElement) -> list[str]:
    out: list[str] = []
    for el in tree.xpath('//*[@rel="author" or @itemprop="author"]'
                         '[not(self::meta) and not(self::link)]'):
        name_el = el.find('.//*[@itemprop="name"]')
        name = _BY.sub("", _text(name_el if name_el is not None else el))
        if _NAME.match(name) and 1 <= len(name.split()) <= 5 and name not in out:
            out.append(name)
        if len(out) >= 10:
            break
    return out


def _time_with(tree: HtmlElement, prop: str) -> str | None:
    for el in tree.xpath(f'//*[@itemprop="{prop}"][@datetime or @content]'):
        value = iso_date(el.get("datetime") or el.get("content"))
        if value:
            return value
    return None


def fallback_published(tree: HtmlElement, url: str | None) -> str | None:
    found = _time_with(tree, "datePublished")
    if found:
        return found
    from htmldate import find_date

    try:
        return iso_date(find_date(tree, url=url, original_date=True, extensive_search=False))
    except (ValueError, TypeError):
        return None


def fallback_modified(tree: HtmlElement) -> str | None:
    return _time_with(tree, "dateModified")
