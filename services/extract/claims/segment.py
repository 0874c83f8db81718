"""Cheap, regex-only segmentation: paragraphs, sentences and quotation spans.

Everything here is linear in the text and allocation-light, because it runs on every
article; the expensive steps (none at present) only ever see candidate sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_DQ = "“„‟«"
CLOSE_DQ = "”»"
ALL_DQ = OPEN_DQ + CLOSE_DQ + '"'

_PARA = re.compile(r"[^\n]+")
# A sentence ends at . ! ? (or …), optionally followed by closing quotes/brackets, then space.
# core.py writes '' and `` as '"' + WORD JOINER (same length), so a joiner may follow a mark.
_BOUNDARY = re.compile(
    r"[.!?…]+[\"”’')\]\u2060]*(?=\s+[\"“‘'(\[]?\u2060?[A-Z0-9])|[.!?…]+[\"”’')\]\u2060]*$"
)
_ABBREV = frozenset(
    """mr mrs ms dr sen rep reps gov gen lt col sgt st jr sr inc co corp ltd u.s u.n u.k
    jan feb mar apr jun jul aug sep sept oct nov dec no vs prof rev pres sens govs capt cmdr
    adm maj ft mt gop d.c a.m p.m e.g i.e etc ph.d r-n.y d-calif""".split()
)
_LAST_WORD = re.compile(r"([\w.\-]+)\W*$")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def paragraphs(text: str, max_len: int = 20_000) -> list[Span]:
    """Non-blank lines; an over-long one is cut at whitespace so later steps stay bounded."""
    out = []
    for m in _PARA.finditer(text):
        a, b = m.start(), m.end()
        while b - a > max_len:
            cut = text.rfind(" ", a + max_len // 2, a + max_len)
            cut = cut if cut > a else a + max_len
            if text[a:cut].strip():
                out.append(Span(a, cut))
            a = cut
        if text[a:b].strip():
            out.append(Span(a, b))
    return out


def sentences(text: str, para: Span) -> list[Span]:
    """Split one paragraph into sentences (offsets into ``text``)."""
    out = []
    start = para.start
    chunk = text[para.start : para.end]
    for m in _BOUNDARY.finditer(chunk):
        end = para.start + m.end()
        if m.group().startswith(".") and m.end() < len(chunk):
            w = _LAST_WORD.search(text, start, para.start + m.start() + 1)
            word = w.group(1).lower().rstrip(".") if w else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        if text[start:end].strip():
            out.append(_strip(text, start, end))
        start = end
    if text[start : para.end].strip():
        out.append(_strip(text, start, para.end))
    return out


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _is_open_straight(text: str, i: int, lo: int, hi: int) -> bool:
    before = text[i - 1] if i > lo else " "
    after = text[i + 1] if i + 1 < hi else " "
    if before.isspace() or before in "([{—–-:":
        return not after.isspace()
    return False


_DQ = re.compile("[" + re.escape(ALL_DQ) + "]")


def quote_spans(text: str, para: Span) -> tuple[list[Span], bool, bool]:
    """Double-quoted spans in a paragraph (marks included).

    Returns (spans, opens_unclosed, starts_with_quote): a paragraph that opens a quotation
    and never closes it continues the quote in the next paragraph (news style). A curly
    quotation nested in another with double marks (“A “B” C”) stays inside the outer one
    when the marks balance; when they do not, every closing mark closes.
    """
    nested = _quote_spans(text, para, nest=True)
    if nested[1] and not _quote_spans(text, para, nest=False)[1]:
        return _quote_spans(text, para, nest=False)
    return nested


def _quote_spans(text: str, para: Span, nest: bool) -> tuple[list[Span], bool, bool]:
    spans: list[Span] = []
    depth = 0
    open_at = -1
    lo, hi = para.start, para.end
    for mark in _DQ.finditer(text, lo, hi):  # only the marks: no Python loop over every character
        i = mark.start()
        c = text[i]
        if c == '"':
            is_open = (open_at < 0 and _is_open_straight(text, i, lo, hi)) or (
                open_at < 0 and i == lo
            )
            if open_at < 0 and not is_open:
                # closing mark with no opening: quote from paragraph start (continued quote)
                if not spans:
                    spans.append(Span(lo, i + 1))
                continue
        else:
            is_open = c in OPEN_DQ
        if (
            is_open
            and open_at >= 0
            and text[i - 1] in ".,!?"
            and (i + 1 >= hi or text[i + 1].isspace())
        ):
            is_open = False  # “Q?“ he asked: an opening mark typed where the closing one goes
        if is_open:
            if open_at < 0:
                open_at = i
            elif nest and c in OPEN_DQ:
                depth += 1
        elif open_at >= 0 and depth > 0:
            depth -= 1
        elif open_at >= 0:
            # core.py turns a closing '' into '"' + WORD JOINER: the joiner belongs to the mark
            end = i + 2 if i + 1 < hi and text[i + 1] == "\u2060" else i + 1
            spans.append(Span(open_at, end))
            open_at = -1
        elif not spans:
            spans.append(Span(lo, i + 1))
    unclosed = open_at >= 0
    if unclosed:
        spans.append(Span(open_at, hi))
    starts = text[lo] in ALL_DQ
    return spans, unclosed, starts


_SQ = re.compile(r"(?<![\w'’])['‘](?=\w)(.+?)(?<=[\w.,!?])['’](?![\w])")


def single_quote_spans(text: str, start: int, end: int) -> list[Span]:
    """Single-quoted spans of at least two words (inner quotes, headline quotes)."""
    out = []
    for m in _SQ.finditer(text, start, end):
        if " " in m.group(1):
            out.append(Span(m.start(), m.end()))
    return out
