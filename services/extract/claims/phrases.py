"""Phrase finding shared by both attribution passes (quotes.py, broad.py).

``RawAttribution`` (content span, speaker span, cue, direct) and the helpers that find its
parts in a unit's text: the speaker before or after a cue, the subject at a clause start,
the ``[object] that`` after a cue, a short attribution tail, trimming, and whether a span
lies in or holds a quotation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import _CUE_WORDS
from .segment import ALL_DQ, Span, single_quote_spans

_PRONOUNS = frozenset("he she they we i it you".split())
_BAD_WORDS = frozenset(
    "that which because if when while where whether is was are were be not no than as "
    "what how why though although since until unless so".split()
)
_BAD_LAST = frozenset(
    "of to in on for with the a an at by from and or but not also his her their its this "
    "that has have had who".split()
)
_LEAD = re.compile(
    r"(?:(?:but|and|so|yet|still|now|then|instead|meanwhile|however|later|earlier|indeed|as|"
    r"in fact|also|further|moreover|separately|previously|ultimately|finally)\b[,\s]*)+",
    re.I,
)


_TAIL_WORDS = frozenset(
    """on in at during to last this earlier later after before from with via by over about
    of for the a an his her their its monday tuesday wednesday thursday friday saturday sunday
    today yesterday tonight recently morning afternoon evening night week month year weekend
    interview statement speech post posts tweet reporters rally release conference call email
    letter briefing appearance remarks news hearing debate radio television show program
    website blog op-ed memo earlier this also then again previously told""".split()
)
_TAIL_STOP = frozenset("is was are were has have had will would can could should that be".split())


def _short_tail(tail: str) -> bool:
    """An attribution tail that ends the sentence: "said on Tuesday in an interview."."""
    if re.match(
        r"\s*,\s*(?:adding|saying|noting|citing|arguing|explaining|according|referring|in)\b", tail
    ):
        return True
    body = tail.strip().rstrip(".!?”\"’'")
    words = body.replace(",", " ").split()
    if len(words) > 10 or any(c in body for c in ".!?;:“\""):
        return False
    for w in words:
        lw = w.lower().strip("’'")
        if lw in _TAIL_STOP:
            return False
        if not (lw in _TAIL_WORDS or w[:1].isupper() or w[:1].isdigit() or lw.endswith("ly")):
            return False
    return True


_THAT_AFTER = re.compile(r"((?:\s+(?!that\b)[^\s,:;“\"(]+){0,6}?)\s+that\b|\s*[,:]")
_OBJ_WORDS = frozenset(
    "reporters him her them me us you supporters voters audience crowd viewers listeners".split()
)


def _that_skip(rest: str) -> re.Match[str] | None:
    """``CUE [object/adverbials] that`` or ``CUE,``/``CUE:`` at the start of ``rest``. The
    skipped words must look like an object or a time/place phrase ("told reporters on
    Tuesday that"): in "said he knows how hard that is" the "that" is no complementiser."""
    m = _THAT_AFTER.match(rest)
    if m is None or not m.group(1):
        return m
    for w in m.group(1).split():
        lw = w.lower().strip("’'.")
        if not (
            lw in _TAIL_WORDS
            or lw in _OBJ_WORDS
            or w[:1].isupper()
            or w[:1].isdigit()
            or lw.endswith("ly")
        ):
            return None
    return m


@dataclass(slots=True)
class RawAttribution:
    start: int
    end: int
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    direct: bool


_TRIM_CHARS = ",;:—–-\u2060"  # WORD JOINER: left by core.py's '' → '"' normalisation


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a].isspace() or text[a] in _TRIM_CHARS):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in _TRIM_CHARS):
        b -= 1
    return a, b


def _speaker_before(text: str, lo: int, cue_start: int) -> tuple[int, int] | None:
    """Speaker phrase ending right before a cue: from the clause start ``lo``."""
    seg = text[lo:cue_start]
    m = _LEAD.match(seg)
    a = lo + (m.end() if m else 0)
    a, b = _trim(text, a, cue_start)
    phrase = text[a:b]
    dash = max(phrase.rfind(" — "), phrase.rfind(" – "), phrase.rfind(" - "))
    if dash >= 0:  # "WASHINGTON — Senator X said", "PARIS (Reuters) - X said"
        a, b = _trim(text, a + dash + 3, b)
        phrase = text[a:b]
    if "," in phrase:
        parts = phrase.split(",")
        # "Smith, a spokesman," keeps the name; otherwise the clause after the last comma.
        head = parts[0].strip()
        appositive = text[a:cue_start].rstrip().endswith(",") or (
            len(parts) >= 3 and not parts[-1].strip()
        )
        if len(parts) >= 2 and appositive and head[:1].isupper() and _speaker_ok(head):
            if len([p for p in parts if p.strip()]) == 2 and _speaker_ok(parts[1].strip()):
                return (
                    a,
                    a + len(parts[0]) + 1 + len(parts[1].rstrip()),
                )  # "Her rival, Carl Henning"
            return (a, a + len(parts[0].rstrip()))
        cut = phrase.rfind(",")
        a, b = _trim(text, a + cut + 1, b)
        phrase = text[a:b]
    t = _TIME_LEAD.match(text, a, b)
    if t is not None:  # "Last week the council argued", "Wednesday he said"
        a = t.end()
        phrase = text[a:b]
    aside = phrase.rfind(" (")
    if aside > 0 and phrase.endswith(")"):  # "Sen. Ann Lee (D-Vt.)" → "Sen. Ann Lee"
        b = a + aside
        phrase = text[a:b]
    return (a, b) if _speaker_ok(phrase) else None


# "X did Y, saying C", "X did Y, falsely suggesting C": the participle's subject is the clause's
_PARTICIPLE_AFTER = re.compile(r",\s*(?:[a-z]+ly\s+)?$")
_LEAD_NP = re.compile(
    r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I|(?:(?:The|A|An)\s+)?(?:[A-Z][\w.’'\-]*\s+(?:of\s+|for\s+)?)*[A-Z][\w.’'\-]*(?:\s+[a-z]+(?=\s+[A-Z]))?(?:\s+[A-Z][\w.’'\-]*)*)(?=[\s,])"
)


_DATELINE = re.compile(
    r"(?P<city>[A-Z][A-Za-z.’'\-]*(?:[ ,]+[A-Z][A-Za-z.’'\-]*)*?)"
    r"(?:,?\s+[A-Z][a-z]{2,4}\.?\s+\d{1,2})?"
    r"\s*(?P<paren>\([A-Za-z .]{2,30}\))?\s*[—–-]{1,2}\s+"
)
_INTRO_TIME = frozenset(
    """last next this earlier later hours days weeks months years minutes moments today
    yesterday monday tuesday wednesday thursday friday saturday sunday""".split()
)
_INTRO_NEXT = frozenset("in to at on one the a an his her their about with from for".split())


def _intro_phrase(text: str, n: re.Match[str], hi: int) -> bool:
    """Whether a capitalised phrase opening the clause is an opening adverbial, not the
    subject: "Hours later, Trump …", "Last week, the campaign …", "Speaking in Iowa, he …"."""
    words = n.group().split()
    nxt = text[n.end() : min(hi, n.end() + 30)].split()
    if words[0].lower() in _INTRO_TIME and "," in text[n.end() : min(hi, n.end() + 20)]:
        return True
    if len(words) != 1 or not nxt or not words[0].endswith(("ing", "ly")):
        return False
    follow = nxt[0].lower().strip(",")
    # "Facing a vote, …", "Hastily convened …": an opening participle or adverb; "Manning
    # said", "Fleming has argued": a surname before its verb
    return follow in _INTRO_NEXT or (
        nxt[0][:1].islower() and follow not in _CUE_WORDS and follow not in _VERB_FIRST
    )


def _leading_np(text: str, lo: int, hi: int, depth: int = 0) -> tuple[int, int] | None:
    """The subject at a clause start, for "SUBJ did X and says C"; after one opening phrase
    ("After the debate, Trump called …") when the clause start is not a subject."""
    m = _LEAD.match(text, lo, hi)
    a = m.end() if m else lo
    while a < hi and text[a].isspace():
        a += 1
    d = _DATELINE.match(text, a, hi)
    if d is not None and (d.group("paren") or d.group("city").split()[0].isupper()):
        a = d.end()  # "WASHINGTON — Sen. X said", "PARIS, Aug 31 (Reuters) - X said"
    n = _LEAD_NP.match(text, a, hi)
    if n and _speaker_ok(n.group()) and not _intro_phrase(text, n, hi):
        return (n.start(), n.end())
    comma = text.find(",", a, min(hi, a + 80))
    if depth == 0 and comma > 0:
        return _leading_np(text, comma + 1, hi, depth=1)
    return None


def _speaker_after(text: str, cue_end: int, hi: int) -> tuple[int, int] | None:
    """Speaker phrase right after a cue (``said Smith, the spokesman``)."""
    m = re.match(
        r"\s+((?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Prof|Rev|St|Jr|Sr|U\.S|U\.N)\.\s+|[A-Z]\.\s+(?=[A-Z])|[^,.;:!?—()“”\"]){1,80})",
        text[cue_end:hi],
    )
    if not m:
        return None
    a, b = _trim(text, cue_end + m.start(1), cue_end + m.end(1))
    # stop before trailing adverbials: "said Smith on Tuesday"
    phrase = text[a:b]
    cut = re.search(
        r"\s+(?:on|in|at|during|last|this|who|after|before|when|while|told|adding|to)\b", phrase
    )
    if cut:
        b = a + cut.start()
        phrase = text[a:b]
    if not phrase or not (
        phrase[0].isupper()
        or phrase.split()[0].lower() in _DETERMINERS
        or (phrase[0].islower() and re.search(r"\s[A-Z][a-z]+\s+[A-Z][a-z]", phrase))
    ):
        return None
    if any(
        w.lower() in _MODALS for w in phrase.split()
    ):  # "…, hopes his campaign could win": a clause
        return None
    return (a, b) if _speaker_ok(phrase) else None


_DETERMINERS = frozenset("the a an his her their its one two several some many another".split())
_MODALS = frozenset("could would should will can may might must has have had did does do".split())


_BAD_FIRST = frozenset(
    """in on at after before during with without despite when while if as since although
    though for from by to of even each ask however moreover indeed meanwhile still yet but and
    so then also instead here there now editor’s editor's like unlike under over about between
    among against within per via because once both either neither""".split()
)


def _speaker_ok(phrase: str) -> bool:
    words = phrase.split()
    if not 1 <= len(words) <= 12 or not re.search(r"[A-Za-z]{2}|\bI\b", phrase):
        return False
    low = [w.lower().strip("’'\".,") for w in words]
    if any(w in _BAD_WORDS for w in low) or low[-1] in _BAD_LAST:
        return False
    if words[-1].endswith(("’s", "'s")) and any(w[:1].islower() for w in words):
        return False  # "Lawmakers rejected Delgado's [claim]": a clause ending in a possessor
    if low[0] in _BAD_FIRST or (
        low[0].endswith("ing") and not (len(words) == 1 and words[0][:1].isupper())
    ):
        return False
    if any(c in phrase for c in ALL_DQ):
        return False
    if words[0][:1].islower() and not _noun_phrase_start(low):
        return False
    if low[0] in _TIME_FIRST:  # "said Tuesday at Baldwin Wallace", "Last week, …"
        return False
    if low[0] in _PRONOUNS:
        return len(words) <= 2
    first = words[0]
    if first[:1].isupper() or first[:1].isdigit():
        return True
    # lower-case noun phrases: "officials", "the campaign", "a spokesman for Smith"
    return len(words) <= 8


_VERB_FIRST = frozenset(
    """has have had is are was were will would could can may might must should did does do
    been being be also not never just still already even then later""".split()
)


def _noun_phrase_start(low: list[str]) -> bool:
    """Whether lower-case words can open a subject: "officials", "the campaign" can;
    a verb phrase left after an appositive's comma ("has set up a website", "decamped to
    Citigroup", "repeated") or a run of adverbs ("falsely", "somewhat awkwardly") cannot."""
    if all(w.endswith("ly") for w in low):
        return False
    first = low[0]
    if first in _VERB_FIRST:
        return False
    return not (first.endswith("ed") and len(first) > 3 and first not in _ED_NOUNS)


_TIME_LEAD = re.compile(
    r"(?:(?:[Ll]ast|[Tt]his|[Ee]arlier|[Ll]ater)\s+(?:week|month|year|night|\w+day)|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun|To|Yester)day|Tonight)\s*,?\s+(?=\S)"
)
_TIME_FIRST = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight
    last earlier later""".split()
)
_ED_NOUNS = frozenset("red bed need seed speed breed feed creed reed".split())


def _in_quote(pos: int, quotes: list[Span]) -> bool:
    return any(q.start <= pos < q.end for q in quotes)


def _extend(text: str, cb: int, allq: list[Span]) -> int:
    for q in allq:
        if q.start < cb < q.end:
            return q.end
    return cb


def _has_q(text: str, a: int, b: int) -> bool:
    seg = text[a:b]
    return any(c in seg for c in ALL_DQ) or bool(single_quote_spans(text, a, b))
