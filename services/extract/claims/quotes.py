"""Attribution finding by cue lexicon and surface patterns (no parser).

Candidate finding is cheap: a sentence is only examined further when it holds a quotation
mark or a cue word. Patterns, per unit (sentences merged so that no quotation straddles a
boundary):

- ``“Q,” SPK CUE.`` / ``“Q,” CUE SPK.``         direct quote, speaker after
- ``SPK CUE [obj][,:] “Q”``                     direct quote, speaker before
- ``C, SPK CUE [tail].`` / ``C, CUE SPK.``      indirect, speaker after
- ``SPK CUE [obj] [that] C.``                   indirect (or mixed when C holds quotes)
- ``According to SPK, C.`` / ``C, according to SPK.``
- a quotation with no cue of its own continues the previous speaker's quote
  (``“Q1,” he said. “Q2.”`` and quote-only paragraphs).

The cue words are in lexicon.py, the speaker and content helpers both passes share in
phrases.py. The broad pass (``broad.py``) then adds the other cues of each unit;
``attributions.py`` runs both over an article.
"""

from __future__ import annotations

import re

from .lexicon import _ACCORDING, _NEEDS_THAT, CUE_RE
from .phrases import (
    _OBJ_WORDS,
    _PARTICIPLE_AFTER,
    _TAIL_WORDS,
    RawAttribution,
    _extend,
    _has_q,
    _in_quote,
    _leading_np,
    _short_tail,
    _speaker_after,
    _speaker_before,
    _that_skip,
    _trim,
)
from .segment import ALL_DQ, Span, sentences

_OBJ_STOP = re.compile(r"\bthat\b|[,:;]|[“\"]")


# a sentence end, not the full stop of an initial or a title: "George W. Bush", "Gov. Mike Pence"
_SENT_END = re.compile(
    r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)(?<!\bMrs)(?<!\bGov)(?<!\bSen)"
    r"(?<!\bRep)(?<!\bGen)(?<!\bLt)(?<!\bCol)[.!?]"
)


# an appositive closing the sentence after a speaker: "…, said Mark Jones, a professor at Rice."
_APPOSITIVE = re.compile(
    r",\s+(?:a|an|the|who|one|his|her|its|their|former|[A-Z][a-z]+(?:’s|'s))\s+[^“”\"]*$"
)


def _units(text: str, para: Span, quotes: list[Span]) -> list[Span]:
    """Sentences of a paragraph, merged so that no quotation straddles a boundary."""
    sents = sentences(text, para)
    out: list[Span] = []
    for s in sents:
        if out and (
            any(q.start < s.start < q.end for q in quotes) or _tag_after_quote(text, out[-1], s)
        ):
            out[-1] = Span(out[-1].start, s.end)
        else:
            out.append(s)
    return out


def _tag_after_quote(text: str, prev: Span, s: Span) -> bool:
    """``“Q.” Smith said.``: a sentence that is only the attribution of the quotation that
    ends the previous one (the quotation's own full stop split them)."""
    if text[prev.end - 1] not in "”\"»\u2060" or s.end - s.start > 120 or text[s.start] in ALL_DQ:
        return False
    m = CUE_RE.search(text, s.start, s.end)
    if m is None or m.start() - s.start > 60 or any(c in text[s.start : s.end] for c in ALL_DQ):
        return False
    tail = text[m.end() : s.end]
    first = tail.split()[0].lower().strip(",.") if tail.split() else ""
    return _short_tail(tail) or (
        " that " not in tail
        and len(tail.split()) <= 14
        and (first in _OBJ_WORDS or first.endswith("ly") or first in _TAIL_WORDS)
    )


def _unit(
    text: str, unit: Span, uq: list[Span], allq: list[Span], speech: bool = True
) -> list[RawAttribution]:
    """``speech``: whether the unit holds a speech-verb word at all; when it does not, the
    CUE_RE searches (a long alternation, the slowest step here) cannot match and are skipped."""
    res: list[RawAttribution] = []
    ua, ub = unit.start, unit.end
    # --- direct quotes with an adjacent cue
    for i, q in enumerate(uq if speech else ()):
        # speaker after: “Q,” SPK CUE / “Q,” CUE SPK
        nxt = uq[i + 1].start if i + 1 < len(uq) else ub
        post = text[q.end:nxt]
        m = CUE_RE.search(post)
        if m and m.start() <= 60 and not _SENT_END.search(post, 0, m.start()):
            cs, ce = q.end + m.start("verb"), q.end + m.end()
            spk = _speaker_before(text, q.end, q.end + m.start()) if m.start() > 1 else None
            if spk is None:
                spk = _speaker_after(text, ce, nxt)
            if spk:
                res.append(RawAttribution(q.start, q.end, spk[0], spk[1], text[cs:ce], True))
                continue
        # speaker before: SPK CUE [obj][,:] “Q”
        prv = uq[i - 1].end if i > 0 else ua
        pre = text[prv:q.start]
        mm = None
        for m_ in CUE_RE.finditer(pre):
            mm = m_  # the last cue before the quotation
        if (
            mm
            and (len(pre) - mm.end() <= 60)
            and re.search(r"[,:]\s*$|\b(?:that|as)\s*$|\w\s*$", pre)
            and not re.search(r"[.!?]\s", pre[mm.end() :])
        ):
            cs, ce = prv + mm.start("verb"), prv + mm.end()
            spk = _speaker_before(text, prv, prv + mm.start())
            if spk is None:
                spk = _speaker_after(text, ce, q.start)
            if spk:
                mixed = re.search(r"\w", pre[mm.end():].replace("that", "")) is not None
                if mixed:
                    continue  # handled as indirect/mixed below
                res.append(RawAttribution(q.start, q.end, spk[0], spk[1], text[cs:ce], True))
                continue
    if res:
        return _join_adjacent(text, res)
    # --- indirect: According to SPK, C / C, according to SPK
    acc = _ACCORDING.search(text, ua, ub)
    if acc:
        after = _speaker_after(text, acc.end(), ub)
        if after:
            rest_a = after[1]
            if acc.start() - ua < 3:  # According to X, C
                ca, cb = _trim(text, rest_a, ub)
            else:
                ca, cb = _trim(text, ua, acc.start())
            if cb - ca > 10:
                return [
                    RawAttribution(ca, cb, after[0], after[1], "according to", _has_q(text, ca, cb))
                ]
    # --- indirect with a cue outside quotations
    for m in CUE_RE.finditer(text, ua, ub) if speech else ():
        if _in_quote(m.start(), allq):
            continue
        verb = m.group("verb")
        before = text[ua:m.start()]
        tail = text[m.end():ub]
        short = _short_tail(tail)
        comma = max(before.rfind(","), before.rfind("—"), before.rfind("”,"))
        # C, SPK CUE [tail].
        if comma > 15 and short:
            spk = _speaker_before(text, ua + comma + 1, m.start())
            if spk:
                ca, cb = _trim(text, ua, ua + comma)
                res.append(RawAttribution(ca, cb, spk[0], spk[1], m.group(), _has_q(text, ca, cb)))
                break
        # C, CUE SPK.
        if comma > 15 and len(before) - comma <= 3:
            spk = _speaker_after(text, m.end(), ub)
            if spk and (_short_tail(text[spk[1]:ub]) or _APPOSITIVE.match(text, spk[1], ub)):
                ca, cb = _trim(text, ua, ua + comma)
                res.append(RawAttribution(ca, cb, spk[0], spk[1], m.group(), _has_q(text, ca, cb)))
                break
        # SPK CUE [obj] [that] C.
        if verb.endswith("ing") and _PARTICIPLE_AFTER.search(before):  # "X did Y, saying C"
            spk = _leading_np(text, ua, m.start())
        else:
            spk = _speaker_before(text, ua, m.start())
        if spk is None and re.search(r"\b(?:and|then|but)\s+$", before):
            spk = _leading_np(text, ua, m.start())
        if spk is None:
            continue
        rest = text[m.end():ub]
        t = _that_skip(rest)
        if t is None:
            if verb in _NEEDS_THAT:
                continue
            if verb in ("told", "tell", "tells", "telling"):
                o = _OBJ_STOP.search(rest)
                if not o:
                    continue
                t = re.match(r".*?(?=[,:“\"])|.*?\bthat\b", rest)
            else:
                t = re.match(
                    r"(?:\s+(?:on|last|this|in|at|during)\s+(?:a\s+|an\s+|the\s+)?\w+(?:\s+(?:with|to|on)\s+[A-Z]\S*)?|\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|recently|repeatedly))*",
                    rest,
                )
            if t is None:  # "told reporters; …": nothing ends the object
                continue
        ca, cb = _trim(text, m.end() + t.end(), ub)
        # a quotation straddling the unit end extends the content
        for q in allq:
            if q.start < cb < q.end:
                cb = q.end
        if cb - ca < 8 or not re.search(r"\w", text[ca:cb]):
            continue
        res.append(RawAttribution(ca, cb, spk[0], spk[1], m.group(), _has_q(text, ca, cb)))
        # a second cue in the same unit: "..., adding that C2"
        add = re.search(
            r",\s+(adding|saying|noting|arguing|explaining|insisting|warning)\s+(?:that\s+)?",
            text[ca:cb],
        )
        if add:
            res[-1].end = ca + add.start()
            a2, b2 = _trim(text, ca + add.end(), cb)
            if b2 - a2 > 8:
                res.append(
                    RawAttribution(a2, b2, spk[0], spk[1], add.group(1), _has_q(text, a2, b2))
                )
        break
    if not res:
        res = _fallback(text, ua, ub, uq, allq)
    return res


_THAT_VERB = re.compile(r"\b(?P<verb>[a-z]+(?:ed|es|s))\s+that\b")
_NOT_VERBS = frozenset(
    """is was has does means seems appears ensures requires makes its this his hers theirs
    yes less unless thus alas whereas perhaps was always sometimes news times series
    process access business address bias focus status campus census consensus""".split()
)
_AUX_WORDS = frozenset(
    "has have had is was are were will would could can may might did does do also not never".split()
)
_NOT_VERB_NEXT = frozenset(
    "is was are were be the a an and or of in on to for with who which that as at by".split()
)


def _fallback(
    text: str, ua: int, ub: int, uq: list[Span], allq: list[Span]
) -> list[RawAttribution]:
    """Attributions without a lexicon cue: ``SPK VP: C``, ``SPK VERBed that C``, and
    ``SPK VERB ... “Q” ...`` (mixed quotes with any verb: "called him “a disgrace”")."""
    colon = text.find(":", ua, ub)
    if 0 < colon - ua <= 120 and not _in_quote(colon, allq) and not text[colon - 1].isdigit():
        np_ = _leading_np(text, ua, colon)
        if np_:
            vp = text[np_[1]:colon].split()
            content_quoted = text[colon + 1:ub].lstrip()[:1] in ALL_DQ
            if (vp and len(vp) <= 6 and vp[0][:1].islower()) or (not vp and content_quoted):
                ca, cb = _trim(text, colon + 1, _extend(text, ub, allq))
                if len(text[ca:cb].split()) >= 3:
                    cue = " ".join(vp) + ":" if vp else ":"
                    return [RawAttribution(ca, cb, np_[0], np_[1], cue, _has_q(text, ca, cb))]
    for m in _THAT_VERB.finditer(text, ua, ub):
        if m.group("verb") in _NOT_VERBS or _in_quote(m.start(), allq):
            continue
        spk = _speaker_before(text, ua, m.start())
        if spk:
            ca, cb = _trim(text, m.end(), _extend(text, ub, allq))
            if len(text[ca:cb].split()) >= 3:
                return [
                    RawAttribution(ca, cb, spk[0], spk[1], m.group("verb"), _has_q(text, ca, cb))
                ]
        break
    if uq and any(len(text[q.start:q.end].split()) >= 2 for q in uq):
        np_ = _leading_np(text, ua, uq[0].start)
        if np_:
            rest = text[np_[1]:uq[0].start]
            if rest.lstrip().startswith(",") and rest.count(",") >= 2:  # "X, who led it, called …"
                rest = rest[rest.index(",", rest.index(",") + 1) + 1 :]
            words = re.findall(r"[\w’'\-]+", rest)
            k = 0
            while k < len(words) and (words[k] in _AUX_WORDS or words[k].endswith("ly")):
                k += 1
            if (
                k < len(words)
                and words[k].isalpha()
                and words[k].islower()
                and words[k] not in _NOT_VERB_NEXT
            ):
                vpos = text.find(words[k], uq[0].start - len(rest))
                ve = vpos + len(words[k])
                ca, cb = _trim(text, ve, _extend(text, ub, allq))
                if cb > ca:
                    return [RawAttribution(ca, cb, np_[0], np_[1], words[k], True)]
    return []


def _join_adjacent(text: str, res: list[RawAttribution]) -> list[RawAttribution]:
    """“Q1,” he said, “Q2.” → one attribution with both fragments."""
    out: list[RawAttribution] = []
    for r in sorted(res, key=lambda r: r.start):
        if out and r.speaker_start == out[-1].speaker_start and r.start - out[-1].end < 80:
            out[-1].end = r.end
        else:
            out.append(r)
    return out
