"""Result types of the claims library (the interface the pipeline and CLI rely on)."""

from __future__ import annotations

from dataclasses import dataclass


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

    def to_dict(self) -> dict:
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
        }


@dataclass(frozen=True, slots=True)
class ClaimsResult:
    claims: list[Claim]
    partial: bool  # True when the time budget ran out and the result is incomplete
