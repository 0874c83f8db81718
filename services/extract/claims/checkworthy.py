"""Check-worthiness scoring: TF-IDF (word 1–2-grams + char 2–5-grams + a few hand
features) → logistic regression, evaluated in pure Python from a small JSON weight file.

The weights are trained by ``scripts/train_checkworthy.py`` on the ClaimBuster data (see
MODEL_CARD.md). Inference needs no third-party package: features are computed here, the
same function the training script uses, so training and serving cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).with_name("checkworthy_model.json")
_WORD = re.compile(r"\w+")
_NUM = re.compile(r"\d")
_NUMWORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|trillion|half|"
    r"percent|dozen|double|doubled|tripled|twice)\b",
    re.I,
)
_COMPARE = re.compile(
    r"\b(?:more|less|fewer|most|least|higher|lower|larger|smaller|bigger|better|worse|"
    r"increase[sd]?|decrease[sd]?|rose|fell|grew|dropped|than|largest|highest|lowest|"
    r"record|doubled|cut|raised)\b",
    re.I,
)
_CAUSAL = re.compile(
    r"\b(?:because|caused?|causing|due to|led to|leads to|result(?:ed|s)? in|as a result|"
    r"therefore|so that|thanks to|responsible for)\b",
    re.I,
)
_EVENT = re.compile(
    r"\b(?:voted|passed|signed|created|lost|won|killed|attacked|invaded|raised|cut|"
    r"closed|opened|spent|paid|approved|vetoed|sent|built|launched|announced|elected|"
    r"was|were|has been|have been|did|had)\b",
    re.I,
)
_OPINION = re.compile(r"\b(?:I think|I believe|I feel|we need|we must|should|let me|thank you)\b", re.I)


def features(text: str) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """(word n-gram counts, char n-gram counts, hand features) for one sentence."""
    low = text.lower()
    words = _WORD.findall(low)
    wc: Counter[str] = Counter(words)
    wc.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    cc: Counter[str] = Counter()
    for w in words:
        p = f" {w} "
        n_p = len(p)
        for n in (2, 3, 4, 5):
            for i in range(n_p - n + 1):
                cc[p[i : i + n]] += 1
    hand = {
        "digit": 1.0 if _NUM.search(text) else 0.0,
        "numword": 1.0 if _NUMWORD.search(text) else 0.0,
        "compare": 1.0 if _COMPARE.search(text) else 0.0,
        "causal": 1.0 if _CAUSAL.search(text) else 0.0,
        "question": 1.0 if text.rstrip().endswith("?") else 0.0,
        "opinion": 1.0 if _OPINION.search(text) else 0.0,
        "short": 1.0 if len(words) < 6 else 0.0,
        "long": min(len(words), 60) / 60.0,
    }
    return dict(wc), dict(cc), hand


def tfidf(counts: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear TF × IDF over known features, L2-normalised (as scikit-learn does)."""
    vec = {f: (1.0 + math.log(c)) * idf[f] for f, c in counts.items() if f in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm > 0:
        for f in vec:
            vec[f] /= norm
    return vec


class CheckworthyModel:
    def __init__(self, data: dict) -> None:
        self.word_idf: dict[str, float] = data["word_idf"]
        self.char_idf: dict[str, float] = data["char_idf"]
        self.word_coef: dict[str, float] = data["word_coef"]
        self.char_coef: dict[str, float] = data["char_coef"]
        self.hand_coef: dict[str, float] = data["hand_coef"]
        self.intercept: float = data["intercept"]

    def score(self, text: str) -> float:
        if not text or not text.strip():
            return 0.0
        wc, cc, hand = features(text[:2000])
        z = self.intercept
        for f, v in tfidf(wc, self.word_idf).items():
            z += v * self.word_coef.get(f, 0.0)
        for f, v in tfidf(cc, self.char_idf).items():
            z += v * self.char_coef.get(f, 0.0)
        for f, v in hand.items():
            z += v * self.hand_coef.get(f, 0.0)
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> CheckworthyModel:
    with open(path or MODEL_PATH, encoding="utf-8") as fh:
        return CheckworthyModel(json.load(fh))


def score_checkworthiness(texts: Sequence[str]) -> list[float]:
    model = load_model()
    return [round(model.score(t), 4) for t in texts]


def statement_type(text: str) -> str:
    """A cheap type for a check-worthy statement."""
    if _NUM.search(text) or _NUMWORD.search(text):
        return "quantity"
    if _COMPARE.search(text):
        return "comparison"
    if _CAUSAL.search(text):
        return "causal"
    if _EVENT.search(text):
        return "event"
    return "other"
