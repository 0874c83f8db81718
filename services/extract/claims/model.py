"""Result types of the claims library (the interface the pipeline and CLI rely on)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str  # "quote" | "statement"
    text: str
    start: int  # Python str offsets into the input text
    end: int
    direct: bool
    speaker: str | None
    speaker_start: int | None
    speaker_end: int | None
    cue: str | None
    checkworthiness: float  # [0, 1]
    type: str | None = None  # statement type: quantity | comparison | causal | event | other
    # how likely the attribution is right, from its cues (confidence.py); a precision
    # knob: keep claims at or above a threshold. Statements carry their checkworthiness.
    confidence: float = 0.0
    # the content's pieces without the attribution standing between them:
    # “Q1,” X said, where …. “Q2.” → ((Q1), (Q2)); one piece otherwise
    fragments: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "direct": self.direct,
            "speaker": self.speaker,
            "speaker_start": self.speaker_start,
            "speaker_end": self.speaker_end,
            "cue": self.cue,
            "checkworthiness": self.checkworthiness,
            "type": self.type,
            "confidence": self.confidence,
            "fragments": [list(f) for f in self.fragments],
        }


@dataclass(frozen=True, slots=True)
class ClaimsResult:
    claims: list[Claim]
    partial: bool  # True when the time budget ran out and the result is incomplete
