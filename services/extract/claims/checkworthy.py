"""Check-worthiness scoring: a logistic regression over four cheap feature blocks, evaluated
in pure Python from a JSON weight file, averaged with a small sentence CNN (``cnn.py``, numpy).

Blocks (each scaled to unit length, as scikit-learn's TF-IDF does):
  * word 1–3-grams, lower-cased, digits masked to ``0`` (sublinear TF-IDF);
  * "shape" 2–3-grams: the 100 most frequent training tokens kept, other tokens replaced by a
    shape (``<D>`` number, ``<C>`` capitalised, ``<C0>`` capitalised first token, ``<w>`` word),
    punctuation kept, sentence start/end marked — a cheap stand-in for POS n-grams;
  * character 2–5-grams inside each word (digits masked): every word contributes its own
    TF-IDF vector, and the block is the sum over the sentence's words divided by the root of
    the summed squared word norms, so a word's share is computed once and cached;
  * a static sentence embedding: the SIF-weighted mean of MiniLM-L6 wordpiece vectors
    (each vocabulary piece run once through all-MiniLM-L6-v2 by the training script). A
    linear model over a weighted mean is a weighted mean of per-piece scalars, so only one
    number per wordpiece ships; pieces come from a greedy BERT-uncased wordpiece split.

The model's logit is ``(1 - w) * LR logit + w * CNN logit`` (``w`` from the weight file; 0
without a CNN). It is then mapped by ``a * (z - z0)``: ``z0`` is the logit that maximised F1 on
out-of-fold predictions of the training data and ``a`` the Platt slope there, so 0.5 is the
decision threshold. Weights: ``scripts/train_checkworthy.py`` (see MODEL_CARD.md). Training
imports the feature functions below, so training and serving cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from .wordpiece import MAX_CHARS, is_word, tokens, wordpieces

MODEL_PATH = Path(__file__).with_name("checkworthy_model.json")
_CACHE_MAX = 50_000  # per-word cache entries before the cache is cleared (~13 MB when full)
_DIGIT = re.compile(r"\d")
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


def word_grams(toks: list[str]) -> Counter[str]:
    """Lower-cased, digit-masked word 1–3-gram counts."""
    ws = [t if t.isalpha() else _DIGIT.sub("0", t) for t in (x.lower() for x in toks if is_word(x))]
    c: Counter[str] = Counter(ws)
    c.update(f"{a} {b}" for a, b in pairwise(ws))
    c.update(f"{a} {b} {d}" for a, b, d in zip(ws, ws[1:], ws[2:]))
    return c


def shape_grams(toks: list[str], top: frozenset[str] | set[str]) -> Counter[str]:
    """2–3-grams over frequent tokens + shapes of the others (a cheap POS-like view)."""
    s = ["<s>"]
    for i, t in enumerate(toks):
        low = t.lower()
        if low in top:
            s.append(low)
        elif not t.isalpha() and _DIGIT.search(t):
            s.append("<D>")
        elif t[:1].isupper():
            s.append("<C>" if i else "<C0>")
        elif is_word(t):
            s.append("<w>")
        else:
            s.append(t)
    s.append("</s>")
    c: Counter[str] = Counter(f"{a} {b}" for a, b in pairwise(s))
    c.update(f"{a} {b} {d}" for a, b, d in zip(s, s[1:], s[2:]))
    return c


def char_grams(word: str) -> Counter[str]:
    """Raw counts of the character 2–5-grams of `` word `` (lower-cased, digits masked)."""
    p = f" {_DIGIT.sub('0', word)} "
    n_p = len(p)
    c: Counter[str] = Counter()
    for n in (2, 3, 4, 5):
        for i in range(n_p - n + 1):
            c[p[i : i + n]] += 1
    return c


def _sub_tfidf_dot(counts: Counter[str], table: dict[str, list[float]]) -> float:
    """(sublinear TF × IDF, L2-normalised) · coef, over known features; table: f -> [idf, coef]."""
    dot = 0.0
    sq = 0.0
    for f, c in counts.items():
        ic = table.get(f)
        if ic is not None:
            v = (1.0 + math.log(c)) * ic[0]
            dot += v * ic[1]
            sq += v * v
    return dot / math.sqrt(sq) if sq > 0 else 0.0


class LogitScorer(Protocol):
    """What ``attach_cnn`` takes: cnn.CnnScorer, or a model being trained (scripts/)."""

    def logits(self, texts: Sequence[str]) -> list[float]: ...


class CheckworthyModel:
    def __init__(self, data: dict[str, Any], base_dir: str | Path | None = None) -> None:
        if data.get("format") != "newswire-checkworthy-2":
            raise ValueError(f"unknown check-worthiness model format {data.get('format')!r}")
        self.word: dict[str, list[float]] = data["word"]
        self.shape: dict[str, list[float]] = data["shape"]
        self.shape_top = frozenset(data["shape_top"])
        self.char: dict[str, list[float]] = data["char"]
        self.piece: dict[str, list[float]] = data["piece"]  # wordpiece -> [SIF weight, scalar]
        self.emb_bias: float = data["emb_bias"]  # added when the sentence has a known piece
        self.intercept: float = data["intercept"]
        self.slope: float = data["calibration"]["slope"]
        self.z0: float = data["calibration"]["z0"]
        self._words: dict[str, tuple[float, float, float, float]] = {}
        self.cnn: LogitScorer | None = None
        self.cnn_weight = 0.0
        if data.get("cnn"):
            from .cnn import CnnScorer

            self.attach_cnn(
                CnnScorer(Path(base_dir or MODEL_PATH.parent) / data["cnn"]["file"]),
                data["cnn"]["weight"],
            )

    def attach_cnn(self, cnn: LogitScorer, weight: float) -> None:
        self.cnn, self.cnn_weight = cnn, float(weight)

    def _word(self, w: str) -> tuple[float, float, float, float]:
        """(char dot, char squared norm, embedding numerator, embedding weight) of one word."""
        dot = sq = 0.0
        char = self.char
        for g, c in char_grams(w).items():
            ic = char.get(g)
            if ic is not None:
                v = c * ic[0]
                dot += v * ic[1]
                sq += v * v
        num = den = 0.0
        piece = self.piece
        for p in wordpieces(w, piece):
            ws = piece.get(p)
            if ws is not None:
                num += ws[0] * ws[1]
                den += ws[0]
        if len(self._words) >= _CACHE_MAX:
            self._words.clear()
        r = self._words[w] = (dot, sq, num, den)
        return r

    def logits(self, texts: Sequence[str]) -> list[float]:
        """Uncalibrated logits, the CNN run once over the whole batch."""
        lr = [self.lr_logit(t) for t in texts]
        if self.cnn is None or not texts:
            return lr
        w = self.cnn_weight
        return [(1 - w) * a + w * b for a, b in zip(lr, self.cnn.logits(texts))]

    def lr_logit(self, text: str) -> float:
        """Uncalibrated logistic-regression logit of one sentence."""
        toks = tokens(text[:MAX_CHARS])
        z = self.intercept + _sub_tfidf_dot(word_grams(toks), self.word)
        z += _sub_tfidf_dot(shape_grams(toks, self.shape_top), self.shape)
        cd = csq = num = den = 0.0
        cache = self._words
        for t in toks:
            if is_word(t):
                w = t.lower()
                r = cache.get(w) or self._word(w)
                cd += r[0]
                csq += r[1]
                num += r[2]
                den += r[3]
        if csq > 0:
            z += cd / math.sqrt(csq)
        if den > 0:
            z += num / den + self.emb_bias
        return z

    def score(self, text: str) -> float:
        return self.scores([text])[0]

    def scores(self, texts: Sequence[str]) -> list[float]:
        """Calibrated scores in [0, 1]; 0.0 for an empty or blank text."""
        live = [i for i, t in enumerate(texts) if t and t.strip()]
        out = [0.0] * len(texts)
        for i, z in zip(live, self.logits([texts[i] for i in live])):
            z = max(-30.0, min(30.0, self.slope * (z - self.z0)))
            out[i] = 1.0 / (1.0 + math.exp(-z))
        return out


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> CheckworthyModel:
    p = Path(path or MODEL_PATH)
    with open(p, encoding="utf-8") as fh:
        return CheckworthyModel(json.load(fh), p.parent)


def score_checkworthiness(texts: Sequence[str]) -> list[float]:
    return [round(s, 4) for s in load_model().scores(list(texts))]


def statement_type(text: str) -> str:
    """A cheap type for a check-worthy statement."""
    if _DIGIT.search(text) or _NUMWORD.search(text):
        return "quantity"
    if _COMPARE.search(text):
        return "comparison"
    if _CAUSAL.search(text):
        return "causal"
    if _EVENT.search(text):
        return "event"
    return "other"
