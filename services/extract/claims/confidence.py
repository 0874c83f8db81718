"""Confidence of one attribution, from the cues the rules saw (no model, no text scan beyond
the content and its cue): quotation marks, the cue verb's strength, and how the speaker was
found. A precision knob: keeping claims at or above a threshold trades recall for precision
(figures per threshold in docs/benchmarks.md, printed by ``newswire eval attribution``)."""

from __future__ import annotations

from .segment import ALL_DQ

# Reporting verbs that almost always introduce what someone said.
_STRONG_CUES = frozenset(
    """say says said saying tell tells told telling add adds added adding write writes wrote
    tweet tweets tweeted stated declared according""".split()
)
_BASE = {"quote": 0.8, "mixed": 0.6, "indirect": 0.5}
_SPEAKER = {"name": 0.1, "pronoun": 0.05, "phrase": 0.0, "unresolved": -0.1, "none": -0.3}


def attribution_confidence(content: str, cue: str | None, speaker_kind: str) -> float:
    """In [0, 1]: a content wholly in quotation marks, a "said"-type cue and a named speaker
    score highest; a content with no quotation, a broad-lexicon cue ("criticized",
    "plans") and no speaker lowest."""
    c = content.strip()
    if len(c) >= 2 and c[0] in ALL_DQ and c.rstrip(".,")[-1:] in ALL_DQ:
        kind = "quote"
    elif any(ch in c for ch in ALL_DQ):
        kind = "mixed"
    else:
        kind = "indirect"
    score = _BASE[kind] + _SPEAKER.get(speaker_kind, 0.0)
    words = (cue or "").lower().split()
    if (words and words[-1] in _STRONG_CUES) or (cue or "").startswith("according"):
        score += 0.1
    elif not words or words[-1].endswith(":"):
        score -= 0.05
    return round(min(1.0, max(0.0, score)), 3)
