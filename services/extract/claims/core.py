"""find_claims: attributions (quotes) + check-worthy statements for one article."""

from __future__ import annotations

import time
from dataclasses import replace

from .attributions import find_attributions
from .checkworthy import CheckworthyModel, load_model, statement_type
from .confidence import attribution_confidence
from .lexicon import _CUE_WORDS
from .model import Claim, ClaimsResult
from .segment import ALL_DQ, paragraphs, sentences
from .speakers import SpeakerResolver, mention_kind, trim_mention

STATEMENT_THRESHOLD = 0.5
_SCORE_BATCH = 128
_MAX_SENTENCE = 1_000  # longer "sentences" (tables, binary junk) are not statements


def warm_up() -> None:
    """Load the models now (call once per worker process at start)."""
    load_model()
    find_claims("Warm-up said the test. “It works,” he said.")


def find_claims(text: str, *, budget_seconds: float = 10.0) -> ClaimsResult:
    """Claims in ``text``; never raises, returns ``partial=True`` if the budget ran out."""
    budget = max(0.0, float(budget_seconds))
    deadline = time.perf_counter() + budget
    try:
        return _find(text if isinstance(text, str) else str(text), deadline, deadline + budget)
    except Exception:  # a library bug must not take the pipeline stage down
        return ClaimsResult([], True)


def _scores(model: CheckworthyModel, texts: list[str], deadline: float) -> list[float]:
    """Scores of ``texts`` in batches (the CNN scores a batch at once), stopping after the
    batch that passes ``deadline``: the result may be shorter than ``texts``."""
    out: list[float] = []
    for a in range(0, len(texts), _SCORE_BATCH):
        out += model.scores(texts[a : a + _SCORE_BATCH])
        if time.perf_counter() > deadline:
            break
    return out


def _fragments(
    text: str, start: int, end: int, s_start: int | None, s_end: int | None
) -> tuple[tuple[int, int], ...]:
    """The content without an attribution standing inside it: from the quotation mark that
    closes before the speaker to the one that opens after it ("“Q1,” X told reporters, where
    …. “Q2.”" → Q1 and Q2)."""
    if s_start is None or s_end is None or not start < s_start < s_end < end:
        return ((start, end),)
    a = max(text.rfind(c, start, s_start) for c in ALL_DQ)
    b = min((i for i in (text.find(c, s_end, end) for c in ALL_DQ) if i >= 0), default=-1)
    if a <= start or b < 0:
        return ((start, end),)
    a += 2 if text[a + 1 : a + 2] == "\u2060" else 1
    return ((start, a), (b, end))


def _find(text: str, deadline: float, hard_deadline: float) -> ClaimsResult:
    """Attributions are sought until ``deadline``; those found are then finished (speaker,
    score) until ``hard_deadline``, so a partial result keeps what the search found."""
    if not text or not text.strip():
        return ClaimsResult([], False)

    def over() -> bool:
        return time.perf_counter() > deadline

    model = load_model()
    # '' and `` stand for double quotation marks in some feeds; same length keeps offsets
    norm = (
        text.replace("''", '"\u2060').replace("``", '"\u2060')
        if ("''" in text or "``" in text)
        else text
    )
    paras = paragraphs(norm)
    raw, complete = find_attributions(norm, paras, over)
    quotes: list[Claim] = []  # scored below
    resolver = SpeakerResolver(norm)
    previous: str | None = None
    for r in raw:
        speaker = None
        kind = "none"
        if r.speaker_start is not None and r.speaker_end is not None:
            r.speaker_start, r.speaker_end = trim_mention(
                norm, r.speaker_start, r.speaker_end, _CUE_WORDS
            )
            speaker = resolver.resolve(r.speaker_start, r.speaker_end, previous)
            mention = text[r.speaker_start : r.speaker_end].split()
            kind = mention_kind(" ".join(mention), speaker)
            if (
                speaker
                and (len(mention) > 1 or mention[0][:1].isupper())
                and mention[0].lower() not in ("they", "we", "it", "i")
            ):
                previous = speaker
        content = text[r.start : r.end]
        quotes.append(
            Claim(
                "quote",
                content,
                r.start,
                r.end,
                r.direct,
                speaker,
                r.speaker_start,
                r.speaker_end,
                r.cue,
                0.0,
                None,
                attribution_confidence(norm[r.start : r.end], r.cue, kind),
                _fragments(norm, r.start, r.end, r.speaker_start, r.speaker_end),
            )
        )
        if time.perf_counter() > hard_deadline:
            complete = False
            break
    scores = _scores(model, [q.text for q in quotes], hard_deadline)
    claims = [replace(q, checkworthiness=round(s, 4)) for q, s in zip(quotes, scores)]
    complete = complete and len(claims) == len(quotes) and not over()
    if complete:
        candidates = []
        for para in paras:
            if over():
                complete = False
                break
            for s in sentences(text, para):
                seg = text[s.start : s.end]
                if s.end - s.start <= _MAX_SENTENCE and len(seg.split()) >= 4:
                    candidates.append((seg, s.start, s.end))
        scores = _scores(model, [c[0] for c in candidates], deadline)
        complete = complete and len(scores) == len(candidates)
        for (seg, start, end), score in zip(candidates, scores):
            if score >= STATEMENT_THRESHOLD:
                claims.append(
                    Claim(
                        "statement",
                        seg,
                        start,
                        end,
                        False,
                        None,
                        None,
                        None,
                        None,
                        round(score, 4),
                        statement_type(seg),
                        round(score, 4),
                        ((start, end),),
                    )
                )
    claims.sort(key=lambda c: (c.start, c.kind))
    return ClaimsResult(claims, not complete)
