"""The broad attribution pass: PolNeAR-style attributions beyond speech verbs.

The passes in quotes.py find quotations and "said"-type reports, one per unit. News
attribution is much wider: beliefs ("X believes C"), intentions ("X plans to C"), evaluations
("X criticized C"), evidence ("a poll shows C"), several per sentence. This pass looks at every
lower-case word of a unit, keeps those in a cue lexicon, and takes SUBJECT CUE CONTENT with the
content running to the end of the clause; word lookup in a dict keeps it linear (no regex
alternation over hundreds of verbs). Subjects may be relative (``X, who argued C``),
coordinated (``X criticized A and praised B``) or participial (``…, citing C``); raising verbs
(``X seemed to C``), nominal cues (``X’s claim that C``), ``According to X, C`` with long
sources, headline ``X: C`` and ``Asked about C, …`` are handled here too. attributions.py
combines this pass with quotes.py's. The cue words are in lexicon.py, the forms without a
cue verb in broad_forms.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .broad_forms import (
    _CONTENT_STOP,
    _LOOK,
    _MAX_CONTENT,
    _MAX_CUES,
    _according,
    _asked,
    _headline,
    _nominal,
)
from .lexicon import _LEXICON, _PARTICLES
from .phrases import (
    _PARTICIPLE_AFTER,
    RawAttribution,
    _extend,
    _has_q,
    _in_quote,
    _leading_np,
    _short_tail,
    _speaker_before,
    _that_skip,
    _trim,
)
from .segment import ALL_DQ, Span

_BE = frozenset("is are was were be been being am".split())
_NOT_SUBJECT = frozenset("it there this these those what which who that here one".split())


# auxiliaries and adverbs between a subject and its verb: "has long argued", "didn’t want"
_AUX_RUN = frozenset(
    """has have had is are was were will would could might may did does do not never also can
    should must been be being still already long even just often again now then once first
    last too both all each only""".split()
)


def _aux_run(text: str, lo: int, pos: int) -> tuple[int, list[str]]:
    """(start of the auxiliary/adverb run ending at ``pos``, its words)."""
    words = []
    for m in reversed(list(re.finditer(r"\S+", text[max(lo, pos - 80) : pos]))):
        w = m.group().lower()
        if w in _AUX_RUN or (w.endswith("ly") and len(w) > 3) or w.endswith(("n’t", "n't")):
            words.append(w)
            continue
        return max(lo, pos - 80) + m.end(), words[::-1]
    return lo, words[::-1]


_REL_TAIL = re.compile(r"\b(who|which|that)\s*$")
_COORD_END = re.compile(r"[\s,]*(?:\b(?:and|but|or|then)\b)?[\s,]*$")
_CONJ = re.compile(r"\b(?:and|but|or)\b")

_PASSIVE_OK = frozenset(
    "expect quote report see consider know believe think deem view regard rank rate list identify "
    "describe characterize portray label".split()
)


@dataclass(slots=True)
class _Cue:
    lemma: str
    kind: str
    start: int  # of the verb
    end: int  # after the verb and its particle


def _cues_in(text: str, hits: list[re.Match[str]], allq: list[Span]) -> list[_Cue]:
    """Lexicon words outside quotations, with their particle ("called for")."""
    out = []
    for m in hits:
        entry = _LEXICON.get(m.group())
        if entry is None or _in_quote(m.start(), allq):
            continue
        lemma, kind = entry
        end = m.end()
        parts = _PARTICLES.get(lemma)
        if parts:
            p = re.match(r"\s+([a-z]+)\b", text[end : end + 12])
            if p and p.group(1) in parts:
                end += p.end()
        if kind == "phrasal" and end == m.end():
            continue
        out.append(_Cue(lemma, kind, m.start(), end))
    return out


def _subject(text: str, lo: int, cue: _Cue) -> tuple[tuple[int, int] | None, int, bool]:
    """(speaker span, start of the aux run, passive) for the subject of ``cue``."""
    s_end, aux_words = _aux_run(text, lo, cue.start)
    form = text[cue.start : cue.end].split()[0]
    passive = any(w in _BE for w in aux_words[-2:]) and not form.endswith("ing")
    rel = _REL_TAIL.search(text, max(0, s_end - 8), s_end)
    if rel:  # "Smith, who has long argued C", "an ad that attacks C": the relative pronoun
        return (rel.start(1), rel.end(1)), s_end, passive  # (speakers.py finds its antecedent)
    spk = _speaker_before(text, lo, s_end) if s_end > lo else None
    if spk is not None:
        spk = _clitic(text, spk, form)
    if spk is not None and not _subject_ok(text[spk[0] : spk[1]], form, bool(aux_words)):
        spk = None
    return spk, s_end, passive


_PARTICIPLES = frozenset(
    "said told written thought known shown seen sought spoken heard sworn found".split()
)
_PLURAL_PRON = frozenset("i we they you".split())
_VERBISH = frozenset(
    """had has have do does did get gets got make makes made take takes took go goes went
    gave give gives won lost ran said says told can will would could should may might must
    shall ought""".split()
)
_TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight last
    earlier later next this week month year morning afternoon evening night""".split()
)


def _clitic(text: str, spk: tuple[int, int], form: str) -> tuple[int, int] | None:
    """Strip an auxiliary clitic off the subject ("They’re", "he’d"); a trailing ’s is
    "has" before a participle ("he’s said") and otherwise a possessive: then the cue word
    is a noun ("Clinton’s plans"), no verb at all."""
    a, b = spk
    m = re.search(r"[’'](?:re|ve|ll|d|s)$|s[’']$", text[a:b])
    if not m:
        return spk
    if m.group().endswith("s") and not (form in _PARTICIPLES or form.endswith("ed")):
        return None
    b = a + m.start()
    return (a, b) if b > a else None


def _subject_ok(phrase: str, form: str, has_aux: bool) -> bool:
    """A noun phrase that can be the subject of the cue verb ``form`` (stricter than
    ``_speaker_ok``: the broad lexicon holds many words that are also nouns)."""
    words = phrase.split()
    low = [w.lower().strip(".,’'") for w in words]
    if low[-1] in _NOT_SUBJECT or all(w in _TIME_WORDS for w in low):
        return False
    for w in low[1:] if len(low) > 1 else ():
        if (
            w in _VERBISH
            or (w.endswith("ed") and len(w) > 4 and w != "united")
            or "n’t" in w
            or "n't" in w
        ):
            return False
    entry = _LEXICON.get(form)
    if entry and form == entry[0] and not has_aux:
        # a bare base form ("support", "call") is a verb after I/we/they/you or a plural
        last = low[-1]
        return (
            last in _PLURAL_PRON
            or (last.endswith("s") and not last.endswith("ss"))
            or last == "people"
        )
    return True


_CLAUSE_MARK = re.compile(
    r"[;:(]|\s[—–]\s|\b(?:that|which|because|if|when|while|whether|where|although|though|unless|until|since|than)\b"
)


def _clause_start(text: str, ua: int, pos: int, allq: list[Span]) -> int:
    """Where the clause holding ``pos`` starts: after a subordinator, a semicolon, a dash
    or a quotation, whichever is last."""
    lo = max(ua, pos - _LOOK)
    for q in allq:
        if lo <= q.end <= pos:
            lo = q.end
    for m in _CLAUSE_MARK.finditer(text, lo, pos):
        if m.group() == "(" and text.find(")", m.end(), pos) >= 0:
            continue  # a closed aside, "Sen. Ann Lee (D-Vt.) repeated": no clause start
        lo = m.end()
    return lo


def _content_after(text: str, cue: _Cue, ub: int, allq: list[Span]) -> tuple[int, int]:
    a = cue.end
    if cue.kind == "clause":
        t = _that_skip(text[a : a + 120])
        if t and t.group().strip() != ",":
            a += t.end()
    b = ub = min(ub, a + _MAX_CONTENT)
    for stop in _CONTENT_STOP.finditer(text, a, ub):
        # "…, citing B" starts another attribution of the same subject
        if stop.group(1) is None or stop.group(1) in _LEXICON:
            b = stop.start()
            break
    return _trim(text, a, _extend(text, b, allq))


def _broad(text: str, ua: int, ub: int, allq: list[Span], have: list[RawAttribution],
           hits: list[re.Match[str]]) -> list[RawAttribution]:
    """Every lexicon cue of the unit with a subject: SUBJ CUE CONTENT (see the module
    docstring), then "according to X", headline "X: C", "Asked about …" and nominal forms."""
    res: list[RawAttribution] = []
    prev: _Prev | None = None
    for cue in _cues_in(text, hits, allq)[:_MAX_CUES]:
        if re.search(r"\bto\s+$", text[max(ua, cue.start - 4) : cue.start]):
            continue  # "wants to criticize": part of the intention's content
        lo = _clause_start(text, ua, cue.start, allq)
        if prev is not None and prev.cue.end > lo:
            lo = prev.cue.end
            for c in _CONJ.finditer(text, lo, cue.start):  # "... A and praised B"
                lo = c.end()
        if _participle(text, ua, cue):  # "X did A, citing B": X cites
            spk, passive = (
                (prev.speaker if prev is not None else None) or _leading_subject(text, ua, cue),
                False,
            )
        else:
            spk, s_end, passive = _subject(text, lo, cue)
            if spk is None and not passive:
                spk = _subject_before_relative(text, ua, s_end, cue, allq)
            if spk is None and prev is not None and prev.speaker is not None:
                spk = _shared_subject(text, lo, s_end, prev)
        r = _attribution(text, cue, spk, passive, ua, ub, allq)
        if r is not None and not _dup(r.start, r.end, cue.start, have + res):
            res.append(r)
        else:
            r = None
        if spk is not None and not passive:  # a cue word without a subject was likely a noun
            prev = _Prev(cue, spk, r)
    for extra in (
        _according(text, ua, ub, allq),
        _headline(text, ua, ub, allq),
        _asked(text, ua, ub, allq),
    ):
        if extra is not None and not _dup(extra.start, extra.end, -1, have + res):
            res.append(extra)
    for extra in _nominal(text, ua, hits, ub, allq):
        # not nested in another content either: on PolNeAR train that costs more precision
        # than it gains recall ("rejected X's claim that C" is one attribution there)
        if not _dup(extra.start, extra.end, -1, have + res):
            res.append(extra)
    return res


@dataclass(slots=True)
class _Prev:
    cue: _Cue
    speaker: tuple[int, int] | None
    attribution: RawAttribution | None


_REL_OPEN = re.compile(r",\s+(?:who|which)\b")


def _subject_before_relative(
    text: str, ua: int, s_end: int, cue: _Cue, allq: list[Span]
) -> tuple[int, int] | None:
    """"Jeb Bush, who has raised more money than votes, hopes C": the subject stands before
    a relative clause that ends with a comma right before the verb."""
    if not text[max(ua, s_end - 20) : s_end].rstrip().endswith(","):
        return None
    rel = None
    for m in _REL_OPEN.finditer(text, max(ua, s_end - _LOOK), s_end):
        rel = m  # the last one
    if rel is None:
        return None
    lo = _clause_start(text, ua, rel.start(), allq)
    spk = _speaker_before(text, lo, rel.start()) if rel.start() > lo else None
    form = text[cue.start : cue.end].split()[0]
    return spk if spk is not None and _subject_ok(text[spk[0] : spk[1]], form, True) else None


def _shared_subject(text: str, lo: int, s_end: int, prev: _Prev) -> tuple[int, int] | None:
    """The previous cue's subject, for "X criticized A and praised B"; A then ends before
    "and praised"."""
    if text[lo:s_end].strip():
        return None
    r = prev.attribution
    if (
        r is not None
        and r.start < lo < r.end
        and text[prev.cue.end : lo].rstrip().endswith(("and", "but", "or"))
    ):
        coord = _COORD_END.search(text, max(r.start, lo - 20), lo)
        if coord is not None:  # always: every part of the pattern is optional
            r.end = max(r.start, coord.start())
    return prev.speaker


def _participle(text: str, ua: int, cue: _Cue) -> bool:
    return text[cue.start : cue.end].split()[0].endswith("ing") and bool(
        _PARTICIPLE_AFTER.search(text, max(ua, cue.start - 30), cue.start)
    )


def _leading_subject(text: str, ua: int, cue: _Cue) -> tuple[int, int] | None:
    np_ = _leading_np(text, ua, cue.start)
    if np_ and _subject_ok(text[np_[0] : np_[1]], "", True):
        return np_
    return None


def _attribution(text: str, cue: _Cue, spk: tuple[int, int] | None, passive: bool, ua: int, ub: int,
                 allq: list[Span]) -> RawAttribution | None:
    if spk is None or (
        text[spk[0] : spk[1]].lower() in _NOT_SUBJECT
        and not _REL_TAIL.match(text[spk[0] : spk[1]] + " ")
    ):
        return None
    cue_text = text[cue.start : cue.end]
    if cue.kind == "raise" or (
        passive and cue.lemma in _PASSIVE_OK and _RAISE_NEXT.match(text, cue.end, ub)
    ):
        # "X seemed to C", "X is expected to C": X's state as judged by an unnamed source;
        # the content is the whole clause, subject included. X is given as the source (as
        # PolNeAR's annotators do: the impression is X's), though it lies inside the content
        ca, cb = _content_after(text, cue, ub, allq)
        if cb - ca < 4:
            return None
        return RawAttribution(spk[0], cb, spk[0], spk[1], cue_text, _has_q(text, spk[0], cb))
    if passive:
        return None
    if ub - cue.end < 200 and _short_tail(text[cue.end : ub]):
        # nothing but "in an email." after the cue: "C, he said in an email." has C before
        comma = text.rfind(",", ua, spk[0])
        if cue.kind != "clause" or comma < 0:
            return None
        lo = _clause_start(text, ua, comma, allq)
        ca, cb = _trim(text, lo, comma)
        if len(text[ca:cb].split()) < 3:
            return None
        return RawAttribution(ca, cb, spk[0], spk[1], cue_text, _has_q(text, ca, cb))
    if cue.lemma in _BROAD_NEEDS_THAT and _that_skip(text[cue.end : cue.end + 120]) is None:
        return None  # "the bill would add $1.2 trillion": no report without "that"/":"
    ca, cb = _content_after(text, cue, ub, allq)
    if not _content_ok(text[ca:cb], cue, text[cue.start:cue.end]):
        return None
    return RawAttribution(ca, cb, spk[0], spk[1], cue_text, _has_q(text, ca, cb))


_BROAD_NEEDS_THAT = frozenset(["add"])
_RAISE_NEXT = re.compile(r"\s+(?:to|as)\b")


# a cue followed by one of these was a noun: "The tax plans would …", "the support of …"
_NOUN_NEXT = frozenset(
    "is are was were would will could can may might should has have had of".split()
)


# After an action verb's object, a time, place or purpose phrase: "called Macron on Tuesday
# to congratulate him", "thanked the crowd in Iowa" report an act, not a statement.
_ACT_AFTER_OBJECT = re.compile(
    r"^(?:\S+\s+){1,3}?(?:on|at|from|last|this|early|late|to|in|after|before|during|while|with)\s"
    r"(?!(?:be|have)\b)"
)
_ACT_LEMMAS = frozenset(("call",))


def _content_ok(content: str, cue: _Cue, cue_text: str = "") -> bool:
    words = content.split()
    if len(words) < 2 or words[0].lower() in _NOUN_NEXT:
        return False
    if (
        cue.lemma in _ACT_LEMMAS
        and " " not in cue_text.strip()
        and not any(c in content for c in ALL_DQ)
        and _ACT_AFTER_OBJECT.match(content)
    ):
        return False
    if cue.kind == "inf":  # an intention is "to VP", maybe after an object: "urged him to"
        return "to" in (w.lower() for w in words[:5])
    return True


def _dup(ca: int, cb: int, cue_at: int, have: list[RawAttribution]) -> bool:
    """Same content as an attribution already found (unless nested inside its content)."""
    n = max(1, cb - ca)
    for r in have:
        ov = min(cb, r.end) - max(ca, r.start)
        if ov > 0.5 * n and not (r.start <= cue_at < r.end):
            return True
    return False
