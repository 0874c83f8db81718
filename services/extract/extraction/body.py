"""Choosing and completing the article body, with signals from the page itself.

- split bodies: when the paragraphs the extractor kept sit in one container and the page holds
  more containers of the same tag and class (an article cut in parts by ads or embeds), the
  prose paragraphs of those sibling parts are added in document order;
- JSON-LD ``articleBody`` is trusted only when most of its word 4-grams are visible on the page.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from .clean import norm

__all__ = ["complete_split_body", "containment", "link_texts", "visible_shingles"]

_TOKEN = re.compile(r"\w+")
_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg"}
MIN_PARAGRAPH_WORDS = 5


def link_texts(tree: HtmlElement) -> frozenset[str]:
    """Comparison forms of every anchor text on the page with two words or more."""
    out = set()
    for a in tree.iter("a"):
        text = norm(a.text_content())
        if text.count(" ") >= 1:
            out.add(text)
    return frozenset(out)


def _shingle_set(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def visible_shingles(tree: HtmlElement) -> set[tuple[str, ...]]:
    body = tree.find("body")
    root = body if body is not None else tree
    parts = list(root.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)"
        " and not(ancestor::template)]"))
    return _shingle_set(" ".join(parts))


def containment(text: str, universe: set[tuple[str, ...]]) -> float:
    """Share of the text's 4-grams found in ``universe`` (0 when the text has none)."""
    grams = _shingle_set(text)
    if not grams:
        return 0.0
    return len(grams & universe) / len(grams)


def _link_density(el: HtmlElement, text_len: int) -> float:
    linked = sum(len(a.text_content()) for a in el.iter("a"))
    return linked / text_len if text_len else 1.0


def _signature(el: HtmlElement | None) -> tuple[str, str] | None:
    return None if el is None else (str(el.tag), el.get("class") or "")


def complete_split_body(tree: HtmlElement, lines: list[str]) -> list[str]:
    """Add the prose of the containers repeating the body's container: same tag and class, in a
    parent of the same tag and class (an article body cut into chunks)."""
    if len(lines) < 2:
        return lines
    wanted = {norm(line) for line in lines}
    wanted.discard("")
    parents: dict[HtmlElement, int] = {}
    matched: dict[str, HtmlElement] = {}
    for p in tree.iter("p"):
        key = norm(p.text_content())
        if key in wanted and key.count(" ") + 1 >= MIN_PARAGRAPH_WORDS:
            parent = p.getparent()
            if parent is not None:
                parents[parent] = parents.get(parent, 0) + 1
                matched[key] = parent
    if not parents:
        return lines
    main, hits = max(parents.items(), key=lambda kv: kv[1])
    cls = main.get("class")
    if hits < 2 or not cls:
        return lines
    order = {el: i for i, el in enumerate(tree.iter(main.tag))}
    ancestors = set(main.iterancestors())
    parent_sig = _signature(main.getparent())
    siblings = [
        el for el in tree.iter(main.tag)
        if el is not main and el.get("class") == cls and el not in ancestors
        and _signature(el.getparent()) == parent_sig and main not in set(el.iterancestors())
    ]
    if not siblings:
        return lines
    keys = [norm(line) for line in lines]
    main_positions = [i for i, k in enumerate(keys) if matched.get(k) is main]
    if not main_positions:
        return lines
    out = list(lines)
    after = main_positions[-1] + 1
    before = main_positions[0]
    for el in sorted(siblings, key=order.__getitem__):
        paragraphs = []
        for p in el.iter("p"):
            text = " ".join(p.text_content().split())
            key = norm(text)
            if key and key not in wanted and key.count(" ") + 1 >= MIN_PARAGRAPH_WORDS:
                paragraphs.append(text)
        if not paragraphs or max(len(p.split()) for p in paragraphs) < 12:
            continue
        if _link_density(el, len(" ".join(el.text_content().split()))) > 0.3:
            continue
        wanted.update(norm(p) for p in paragraphs)
        if order[el] > order[main]:
            out[after:after] = paragraphs
            after += len(paragraphs)
        else:
            out[before:before] = paragraphs
            before += len(paragraphs)
            after += len(paragraphs)
    return out
