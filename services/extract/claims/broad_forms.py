"""The broad pass's forms without a cue verb: nominal cues with a possessor ("his claim that
C"), "Asked about C, …", "According to X, C" with long sources, and headlines ("Trump: C",
"Clinton Says C"). broad.py calls them for each unit, after its verb cues; the bounds below
keep both linear whatever the input.
"""

from __future__ import annotations

import re

from .lexicon import _ACCORDING, _NOUN_SET
from .phrases import RawAttribution, _extend, _has_q, _in_quote, _trim
from .segment import Span

# where a content ends: a semicolon, a dash, or a participle that starts another report of
# the same subject (", according to", ", saying", ", falsely suggesting")
_CONTENT_STOP = re.compile(r";|\s[—–]\s|,\s+(?:according\b|(?:[a-z]+ly\s+)?([a-z]+ing)\b)")


# Bounds that keep a unit's cost linear whatever the input (a 20,000-character "sentence"
# of cue words): how far left a subject or clause start is sought, how long a content may
# run, how many cue words of one unit are examined.
_LOOK = 400
_MAX_CONTENT = 2_000
_MAX_CUES = 40


_POSSESSOR = re.compile(
    r"(?:\b(?P<pron>[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Oo]ur|[Mm]y)|(?P<name>(?:[A-Z][\w.\-]*\s+){0,3}[A-Z][\w.\-]*?)(?:’s|'s|’|'))"
    r"\s+(?:[a-z]+\s+){0,2}$"
)
_NOUN_LINK = re.compile(r"\s+(that|to|of|for|about|on|against|with)\b")


def _nominal(
    text: str, ua: int, hits: list[re.Match[str]], ub: int, allq: list[Span]
) -> list[RawAttribution]:
    out = []
    for m in [h for h in hits if h.group() in _NOUN_SET][:_MAX_CUES]:
        if _in_quote(m.start(), allq):
            continue
        link = _NOUN_LINK.match(text, m.end(), ub)
        if link is None:
            continue
        pos = _POSSESSOR.search(text, max(ua, m.start() - 60), m.start())
        if pos is None:
            continue
        spk = pos.span("pron") if pos.group("pron") else pos.span("name")
        a = link.start(1) if link.group(1) == "to" else link.end()  # "decision to C" keeps "to"
        end = min(ub, a + _MAX_CONTENT)
        stop = _CONTENT_STOP.search(text, a, end)
        ca, cb = _trim(text, a, _extend(text, stop.start() if stop else end, allq))
        if len(text[ca:cb].split()) >= 2:
            out.append(RawAttribution(ca, cb, spk[0], spk[1], m.group(), _has_q(text, ca, cb)))
    return out


_ASKED = re.compile(
    r"(?:[Ww]hen\s+|[Aa]fter\s+being\s+|[Oo]nce\s+)?[Aa]sked\s+(?:by\s+(?P<by>[^,;]{2,60}?)\s+)?"
    r"(?P<c>(?:about|whether|if|why|how|what|who|where|when|to)\b[^;]*?),"
)


def _asked(text: str, ua: int, ub: int, allq: list[Span]) -> RawAttribution | None:
    """"Asked about C, Trump said …": the question is itself attributed (to the asker, when
    named: "Asked by Stephanopoulos whether C")."""
    m = _ASKED.match(text, ua, ub)
    if m is None or len(m.group("c").split()) < 2:
        return None
    ca, cb = _trim(text, m.start("c"), m.end("c"))
    by = m.span("by") if m.group("by") else (None, None)
    return RawAttribution(ca, cb, by[0], by[1], "asked", _has_q(text, ca, cb))


_ACC_STOP = re.compile(r"[,;.!?]\s|\s[—–]\s|[.!?]$")


def _according(text: str, ua: int, ub: int, allq: list[Span]) -> RawAttribution | None:
    """"According to X, C" / "C, according to X." / "C, according to X, C2"; X may be a
    long phrase ("early results of exit polls conducted by Edison Research")."""
    m = _ACCORDING.search(text, ua, ub)
    if m is None or _in_quote(m.start(), allq):
        return None
    stop = _ACC_STOP.search(text, m.end(), ub)
    sa, sb = _trim(text, m.end(), stop.start() if stop else ub)
    if not 0 < sb - sa <= 200 or not re.search(r"[A-Za-z]{2}", text[sa:sb]):
        return None
    before = _trim(text, ua, m.start())
    after = _trim(text, sb, ub)
    if len(text[before[0] : before[1]].split()) < 3:
        ca, cb = after
    elif len(text[after[0] : after[1]].split()) < 2:
        ca, cb = before
    else:
        ca, cb = _trim(text, ua, ub)
    if len(text[ca:cb].split()) < 2:
        return None
    return RawAttribution(ca, cb, sa, sb, "according to", _has_q(text, ca, cb))


_HEADLINE = re.compile(r"((?:[A-Z][\w.’'&\-]*\s+){0,4}[A-Z][\w.’'&\-]*):\s+(?=\S)")
_LABELS = frozenset(
    """update note watch read related photos photo video correction editor editors source
    sources advertisement follow contact email image credit more also see listen subscribe
    share breaking exclusive live full text transcript q a""".split()
)


# Title-case headline with its verb: "Clinton Says Russians Hacked DNC"
TITLE_SAYS = re.compile(
    r"((?:[A-Z][\w.’'&\-]*\s+){0,5}[A-Z][\w.’'&\-]*)\s+(?:Says|Said|Tells|Warns|Claims|Insists|Argues|Admits|Thinks|Believes)\s+(?=[A-Z‘“'\"])"
)


def _headline(text: str, ua: int, ub: int, allq: list[Span]) -> RawAttribution | None:
    """Headline style "Trump: Cruz Has a Long Way to Go" — a name, a colon, the claim — or
    "Clinton Says Russians Hacked DNC"."""
    t = TITLE_SAYS.match(text, ua, ub)
    if t is not None:
        ca, cb = _trim(text, t.end(), _extend(text, ub, allq))
        if len(text[ca:cb].split()) >= 2:
            return RawAttribution(
                ca, cb, t.start(1), t.end(1), text[t.end(1) : t.end()].strip(), _has_q(text, ca, cb)
            )
    m = _HEADLINE.match(text, ua, ub)
    if m is None or m.group(1).split()[0].lower().strip("’'s") in _LABELS:
        return None
    ca, cb = _trim(text, m.end(), _extend(text, ub, allq))
    if len(text[ca:cb].split()) < 3:
        return None
    return RawAttribution(ca, cb, m.start(1), m.end(1), ":", _has_q(text, ca, cb))
