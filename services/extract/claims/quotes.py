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

The broad pass (``broad.py``) then adds the other cues of each unit; ``attributions.py``
runs both over an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .segment import ALL_DQ, Span, sentences, single_quote_spans

# Verb forms that report speech or thought. Lower-case only: "States" is not a cue.
_SPEECH = (
    "say|says|said|saying|tell|tells|told|telling|add|adds|added|adding|write|writes|wrote|"
    "writing|tweet|tweets|tweeted|tweeting|claim|claims|claimed|claiming|argue|argues|argued|"
    "arguing|note|notes|noted|noting|explain|explains|explained|explaining|insist|insists|"
    "insisted|insisting|warn|warns|warned|warning|announce|announces|announced|announcing|"
    "stated|declared|declares|believe|believes|believed|think|thinks|recall|recalls|recalled|"
    "acknowledge|acknowledges|acknowledged|acknowledging|admit|admits|admitted|admitting|"
    "suggest|suggests|suggested|suggesting|report|reports|reported|reporting|replied|replies|"
    "responded|responds|countered|counters|predicted|predicts|predict|promised|promises|pledged|"
    "pledges|vowed|vows|vowing|urged|urges|contend|contends|contended|maintain|maintains|"
    "maintained|conceded|concedes|confirmed|confirms|denied|denies|estimated|estimates|"
    "observed|emphasized|emphasizes|stressed|stresses|complained|complains|joked|jokes|quipped|"
    "testified|testifies|asked|asks|continued|continues|agreed|agrees|posted|wrote|"
    "found|finds|show|shows|showed|revealed|reveals|concluded|concludes|indicated|indicates|"
    "pointed out|points out|added that|predicting|asserted|asserts|alleged|alleges|"
    "hopes|hoped|fears|feared|worries|worried|expects|expected|knows|knew|felt|feels|"
    "explains|demanded|demands|mused|boasted|boasts|lamented|laments|conceded|shouted|yelled|"
    "fumed|scoffed|snapped|retorted|remarked|exclaimed|cautioned|pleaded|answered|interjected|"
    "griped|grumbled|gushed|marveled|thundered|recounted"
)
# Verbs that need "that" before their content when used indirectly (too ambiguous alone).
_NEEDS_THAT = frozenset(
    "found finds show shows showed revealed reveals concluded concludes indicated indicates "
    "announce announces announced announcing confirmed confirms report reports reported "
    "reporting warned warn warns warning stated declared declares estimated estimates "
    "observed emphasized emphasizes stressed stresses hopes hoped fears feared worries worried "
    "expects expected knows knew felt feels asked asks continued continues agreed agrees "
    "posted denied denies demanded demands recall recalls recalled".split()
)
_AUX = r"(?:(?:has|have|had|is|are|was|were|will|would|could|might|may|did|does|do)\s+(?:not\s+)?(?:been\s+)?)?"
_ADV = r"(?:(?:also|later|then|previously|repeatedly|often|once|again|recently|publicly|privately|reportedly|frequently|quickly|simply|just|even|flatly|further|has)\s+)?"
CUE_RE = re.compile(rf"\b{_AUX}{_ADV}(?P<verb>{_SPEECH})\b")
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")
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
_OBJ_STOP = re.compile(r"\bthat\b|[,:;]|[“\"]")
_TAIL_WORDS = frozenset(
    """on in at during to last this earlier later after before from with via by over about
    of for the a an his her their its monday tuesday wednesday thursday friday saturday sunday
    today yesterday tonight recently morning afternoon evening night week month year weekend
    interview statement speech post posts tweet reporters rally release conference call email
    letter briefing appearance remarks news hearing debate radio television show program
    website blog op-ed memo earlier this also then again previously told""".split()
)
_TAIL_STOP = frozenset("is was are were has have had will would can could should that be".split())


# a sentence end, not the full stop of an initial or a title: "George W. Bush", "Gov. Mike Pence"
_SENT_END = re.compile(
    r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)(?<!\bMrs)(?<!\bGov)(?<!\bSen)"
    r"(?<!\bRep)(?<!\bGen)(?<!\bLt)(?<!\bCol)[.!?]"
)


# an appositive closing the sentence after a speaker: "…, said Mark Jones, a professor at Rice."
_APPOSITIVE = re.compile(r",\s+(?:a|an|the|who|one|his|her|its|their|former|[A-Z][a-z]+(?:’s|'s))\s+[^“”\"]*$")


def _short_tail(tail: str) -> bool:
    """An attribution tail that ends the sentence: "said on Tuesday in an interview."."""
    if re.match(r"\s*,\s*(?:adding|saying|noting|citing|arguing|explaining|according|referring|in)\b", tail):
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
_OBJ_WORDS = frozenset("reporters him her them me us you supporters voters audience crowd viewers listeners".split())


def _that_skip(rest: str) -> re.Match | None:
    """``CUE [object/adverbials] that`` or ``CUE,``/``CUE:`` at the start of ``rest``. The
    skipped words must look like an object or a time/place phrase ("told reporters on
    Tuesday that"): in "said he knows how hard that is" the "that" is no complementiser."""
    m = _THAT_AFTER.match(rest)
    if m is None or not m.group(1):
        return m
    for w in m.group(1).split():
        lw = w.lower().strip("’'.")
        if not (lw in _TAIL_WORDS or lw in _OBJ_WORDS or w[:1].isupper() or w[:1].isdigit() or lw.endswith("ly")):
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
    dash = max(phrase.rfind(" — "), phrase.rfind(" – "))
    if dash >= 0:  # "WASHINGTON — Senator X said"
        a, b = _trim(text, a + dash + 3, b)
        phrase = text[a:b]
    if "," in phrase:
        parts = phrase.split(",")
        # "Smith, a spokesman," keeps the name; otherwise the clause after the last comma.
        head = parts[0].strip()
        appositive = text[a:cue_start].rstrip().endswith(",") or (len(parts) >= 3 and not parts[-1].strip())
        if len(parts) >= 2 and appositive and head[:1].isupper() and _speaker_ok(head):
            if len([p for p in parts if p.strip()]) == 2 and _speaker_ok(parts[1].strip()):
                return (a, a + len(parts[0]) + 1 + len(parts[1].rstrip()))  # "Her rival, Carl Henning"
            return (a, a + len(parts[0].rstrip()))
        cut = phrase.rfind(",")
        a, b = _trim(text, a + cut + 1, b)
        phrase = text[a:b]
    return (a, b) if _speaker_ok(phrase) else None


_LEAD_NP = re.compile(
    r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ww]e|I|(?:(?:The|A|An)\s+)?(?:[A-Z][\w.’'\-]*\s+(?:of\s+|for\s+)?)*[A-Z][\w.’'\-]*(?:\s+[a-z]+(?=\s+[A-Z]))?(?:\s+[A-Z][\w.’'\-]*)*)(?=[\s,])"
)


def _leading_np(text: str, lo: int, hi: int, depth: int = 0) -> tuple[int, int] | None:
    """The subject at a clause start, for "SUBJ did X and says C"; after one opening phrase
    ("After the debate, Trump called …") when the clause start is not a subject."""
    m = _LEAD.match(text, lo, hi)
    a = m.end() if m else lo
    while a < hi and text[a].isspace():
        a += 1
    n = _LEAD_NP.match(text, a, hi)
    if n and _speaker_ok(n.group()):
        return (n.start(), n.end())
    comma = text.find(",", a, min(hi, a + 80))
    if depth == 0 and comma > 0:
        return _leading_np(text, comma + 1, hi, depth=1)
    return None


def _speaker_after(text: str, cue_end: int, hi: int) -> tuple[int, int] | None:
    """Speaker phrase right after a cue (``said Smith, the spokesman``)."""
    m = re.match(r"\s+((?:(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Prof|Rev|St|Jr|Sr|U\.S|U\.N)\.\s+|[A-Z]\.\s+(?=[A-Z])|[^,.;:!?—()“”\"]){1,80})", text[cue_end:hi])
    if not m:
        return None
    a, b = _trim(text, cue_end + m.start(1), cue_end + m.end(1))
    # stop before trailing adverbials: "said Smith on Tuesday"
    phrase = text[a:b]
    cut = re.search(r"\s+(?:on|in|at|during|last|this|who|after|before|when|while|told|adding|to)\b", phrase)
    if cut:
        b = a + cut.start()
        phrase = text[a:b]
    if not phrase or not (phrase[0].isupper() or phrase.split()[0].lower() in _DETERMINERS
                          or (phrase[0].islower() and re.search(r"\s[A-Z][a-z]+\s+[A-Z][a-z]", phrase))):
        return None
    if any(w.lower() in _MODALS for w in phrase.split()):  # "…, hopes his campaign could win": a clause
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
    if low[0] in _BAD_FIRST or (low[0].endswith("ing") and not (len(words) == 1 and words[0][:1].isupper())):
        return False
    if any(c in phrase for c in ALL_DQ):
        return False
    if low[0] in _PRONOUNS:
        return len(words) <= 2
    first = words[0]
    if first[:1].isupper() or first[:1].isdigit():
        return True
    # lower-case noun phrases: "officials", "the campaign", "a spokesman for Smith"
    return len(words) <= 8


def _units(text: str, para: Span, quotes: list[Span]) -> list[Span]:
    """Sentences of a paragraph, merged so that no quotation straddles a boundary."""
    sents = sentences(text, para)
    out: list[Span] = []
    for s in sents:
        if out and (any(q.start < s.start < q.end for q in quotes) or _tag_after_quote(text, out[-1], s)):
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
    return _short_tail(tail) or (" that " not in tail and len(tail.split()) <= 14
                                 and (first in _OBJ_WORDS or first.endswith("ly") or first in _TAIL_WORDS))


def _in_quote(pos: int, quotes: list[Span]) -> bool:
    return any(q.start <= pos < q.end for q in quotes)



def _unit(text: str, unit: Span, uq: list[Span], allq: list[Span], speech: bool = True) -> list[RawAttribution]:
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
        for mm in CUE_RE.finditer(pre):
            pass
        if mm and (len(pre) - mm.end() <= 60) and re.search(r"[,:]\s*$|\b(?:that|as)\s*$|\w\s*$", pre) and not re.search(r"[.!?]\s", pre[mm.end():]):
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
                return [RawAttribution(ca, cb, after[0], after[1], "according to", _has_q(text, ca, cb))]
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
        if verb.endswith("ing") and re.search(r",\s*$", before):  # "X did Y, saying C"
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
                t = re.match(r"(?:\s+(?:on|last|this|in|at|during)\s+(?:a\s+|an\s+|the\s+)?\w+(?:\s+(?:with|to|on)\s+[A-Z]\S*)?|\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday|recently|repeatedly))*", rest)
        ca, cb = _trim(text, m.end() + t.end(), ub)
        # a quotation straddling the unit end extends the content
        for q in allq:
            if q.start < cb < q.end:
                cb = q.end
        if cb - ca < 8 or not re.search(r"\w", text[ca:cb]):
            continue
        res.append(RawAttribution(ca, cb, spk[0], spk[1], m.group(), _has_q(text, ca, cb)))
        # a second cue in the same unit: "..., adding that C2"
        add = re.search(r",\s+(adding|saying|noting|arguing|explaining|insisting|warning)\s+(?:that\s+)?", text[ca:cb])
        if add:
            res[-1].end = ca + add.start()
            a2, b2 = _trim(text, ca + add.end(), cb)
            if b2 - a2 > 8:
                res.append(RawAttribution(a2, b2, spk[0], spk[1], add.group(1), _has_q(text, a2, b2)))
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
_AUX_WORDS = frozenset("has have had is was are were will would could can may might did does do also not never".split())
_NOT_VERB_NEXT = frozenset("is was are were be the a an and or of in on to for with who which that as at by".split())


def _extend(text: str, cb: int, allq: list[Span]) -> int:
    for q in allq:
        if q.start < cb < q.end:
            return q.end
    return cb


def _fallback(text: str, ua: int, ub: int, uq: list[Span], allq: list[Span]) -> list[RawAttribution]:
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
                return [RawAttribution(ca, cb, spk[0], spk[1], m.group("verb"), _has_q(text, ca, cb))]
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
            if k < len(words) and words[k].isalpha() and words[k].islower() and words[k] not in _NOT_VERB_NEXT:
                vpos = text.find(words[k], uq[0].start - len(rest))
                ve = vpos + len(words[k])
                ca, cb = _trim(text, ve, _extend(text, ub, allq))
                if cb > ca:
                    return [RawAttribution(ca, cb, np_[0], np_[1], words[k], True)]
    return []


def _has_q(text: str, a: int, b: int) -> bool:
    seg = text[a:b]
    return any(c in seg for c in ALL_DQ) or bool(single_quote_spans(text, a, b))


def _join_adjacent(text: str, res: list[RawAttribution]) -> list[RawAttribution]:
    """“Q1,” he said, “Q2.” → one attribution with both fragments."""
    out: list[RawAttribution] = []
    for r in sorted(res, key=lambda r: r.start):
        if out and r.speaker_start == out[-1].speaker_start and r.start - out[-1].end < 80:
            out[-1].end = r.end
        else:
            out.append(r)
    return out
