"""find_attributions: every attribution of an article, the quotation and speech-verb passes
(quotes.py) and the broad pass (broad.py) over the same units, in text order."""

from __future__ import annotations

import re
from collections.abc import Callable

from .broad import _broad
from .broad_forms import _HEADLINE, TITLE_SAYS
from .lexicon import _ACCORDING, _CUE_WORDS, _SPEECH_WORDS, _WORD_RE, CUE_RE
from .phrases import RawAttribution
from .quotes import _unit, _units
from .segment import Span, paragraphs, quote_spans


def _lexicon_hits(text: str, para: Span) -> list[re.Match[str]]:
    """The paragraph's words that are in the broad cue lexicon (found once, used per unit)."""
    return [m for m in _WORD_RE.finditer(text, para.start, para.end) if m.group() in _CUE_WORDS]


def find_attributions(
    text: str, paras: list[Span] | None = None, deadline_check: Callable[[], bool] | None = None
) -> tuple[list[RawAttribution], bool]:
    """All attributions in ``text``; returns (attributions, completed)."""
    out: list[RawAttribution] = []
    last_direct: RawAttribution | None = None
    last_para_idx = -10
    prev_unclosed = False
    for pi, para in enumerate(paras if paras is not None else paragraphs(text)):
        if deadline_check is not None and deadline_check():
            return out, False
        quotes, unclosed, starts_q = quote_spans(text, para)
        hits = _lexicon_hits(text, para)
        if not (
            quotes
            or hits
            or _HEADLINE.match(text, para.start, para.end)
            or TITLE_SAYS.match(text, para.start, para.end)
            or CUE_RE.search(text, para.start, para.end)
            or _ACCORDING.search(text, para.start, para.end)
        ):
            prev_unclosed = False
            continue
        for unit in _units(text, para, quotes):
            uq = [q for q in quotes if unit.start <= q.start < unit.end]
            uhits = [h for h in hits if unit.start <= h.start() < unit.end]
            got = _unit(text, unit, uq, quotes, any(h.group() in _SPEECH_WORDS for h in uhits))
            consumed = [q for q in uq if any(r.start <= q.start and q.end <= r.end for r in got)]
            for r in got:
                if r.direct:
                    last_direct = r
                    last_para_idx = pi
            got += _broad(text, unit.start, unit.end, quotes, got, uhits)
            # in text order, so that pronoun resolution sees the speakers as a reader does
            got.sort(
                key=lambda r: min(
                    r.start, r.speaker_start if r.speaker_start is not None else r.start
                )
            )
            out.extend(got)
            for q in uq:
                if q in consumed:
                    continue
                # a cue-less quotation continues the previous direct quote: in the same
                # paragraph it extends it; opening one of the next two paragraphs, it is a
                # new quote by the same speaker
                if last_direct is None:
                    continue
                if pi == last_para_idx and q.start - last_direct.end < 200:
                    last_direct.end = max(last_direct.end, q.end)
                elif (
                    pi - last_para_idx <= 3
                    and q.start == para.start
                    and (starts_q or prev_unclosed)
                    and len(text[q.start : q.end].split()) >= 3
                ):
                    r = RawAttribution(
                        q.start,
                        q.end,
                        last_direct.speaker_start,
                        last_direct.speaker_end,
                        last_direct.cue,
                        True,
                    )
                    out.append(r)
                    last_direct = r
                    last_para_idx = pi
        prev_unclosed = unclosed
    return _untangle(_split_second_cues(text, out)), True


# a second cue right after a quotation's own tag: "“Q1,” she wrote, arguing that C2"
_SECOND_CUE = re.compile(
    r"[^.!?“”\"]{0,60}?,\s+(?:(?:who|and)\s+(?:later\s+|also\s+)?(?:said|added|argued|noted|wrote)|adding|arguing|saying|"
    r"noting|explaining|mentioning|meaning|insisting|warning|citing|asserting)\b[,:]?\s*(?:that\s+)?"
)


def _split_second_cues(text: str, found: list[RawAttribution]) -> list[RawAttribution]:
    """“Q1,” X said, adding that C2 → Q1 and C2, both X's: a content that holds its own tag
    ends at the quotation before it when a second cue follows the tag."""
    out: list[RawAttribution] = []
    for r in found:
        out.append(r)
        if (
            r.speaker_start is None
            or r.speaker_end is None
            or not r.start < r.speaker_start < r.end
        ):
            continue
        m = _SECOND_CUE.match(text, r.speaker_end, r.end)
        close = max(text.rfind(c, r.start, r.speaker_start) for c in "”\"»")
        if m is None or close <= r.start or r.end - m.end() < 8:
            continue
        rest = RawAttribution(
            m.end(), r.end, r.speaker_start, r.speaker_end, m.group().strip(" ,:"), r.direct
        )
        r.end = close + 1
        out.append(rest)
    return out


def _untangle(found: list[RawAttribution]) -> list[RawAttribution]:
    """One attribution per content: a content nested in another's with the same speaker
    mention is the same attribution found twice (the quotation pass and the broad pass, or
    a quotation joined to the one before it)."""
    order = sorted(found, key=lambda r: (r.start, -r.end))
    drop: set[int] = set()
    for k, o in enumerate(order):
        for r in order[k + 1 :]:
            if r.start >= o.end:
                break
            inside = min(r.end, o.end) - r.start
            if r.end <= o.end and r.speaker_start == o.speaker_start:
                drop.add(id(r))
            elif inside >= 0.7 * (r.end - r.start) and (o.end - o.start) <= 2.0 * (r.end - r.start):
                drop.add(id(r))  # the same content with another speaker mention: keep the first
    return [r for r in found if id(r) not in drop]
